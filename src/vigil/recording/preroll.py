"""The pre-roll ring buffer: the last few seconds of (processed) frames, JPEG-compressed.

Bounded by seconds of stream time AND by bytes: the oldest frames go first when
either limit is passed. Frames are held as JPEG (quality ``quality``) so that memory
stays small: at 768x576 with quality 85 a frame of a typical scene takes 40-90 kB,
so 5 s at 25 fps is about 5-11 MB, against 166 MB for raw BGR frames (1.33 MB each).
``tests/recording/test_preroll.py`` measures it on a textured synthetic scene.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from vigil.types import Image


@dataclass(frozen=True, slots=True)
class BufferedFrame:
    """One frame in the buffer: stream time ``pts`` (s) and the JPEG bytes of the image."""

    pts: float
    jpeg: bytes

    def decode(self) -> Image:
        """The (H, W, 3) uint8 BGR image."""
        img = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        return np.asarray(img, np.uint8)


class PrerollBuffer:
    """Ring buffer of the frames of the last ``seconds`` of stream time, at most ``max_bytes`` of JPEG.

    ``append(image, pts)`` compresses and stores; ``since(pts)`` yields the frames from a time on.
    """

    def __init__(self, seconds: float, max_bytes: int, *, quality: int = 85) -> None:
        if seconds < 0:
            raise ValueError(f"pre-roll of {seconds} s: must not be negative")
        if max_bytes < 1:
            raise ValueError(f"pre-roll memory cap of {max_bytes} bytes: must be positive")
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.quality = quality
        self._frames: deque[BufferedFrame] = deque()
        self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes of JPEG data held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)

    def append(self, image: Image, pts: float) -> BufferedFrame:
        """Compress and keep ``image`` (BGR) shown at ``pts``; drop what falls out of the limits.
        Returns the compressed frame."""
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:  # cannot happen for a valid uint8 BGR image
            raise ValueError(f"pre-roll: cannot JPEG-encode an image of shape {image.shape}")
        data = buf.tobytes()
        if self._frames and pts < self._frames[-1].pts:  # time went backwards (a looping file): start over
            self.clear()
        frame = BufferedFrame(pts, data)
        self._frames.append(frame)
        self._bytes += len(data)
        oldest = pts - self.seconds
        while self._frames and (self._frames[0].pts < oldest or self._bytes > self.max_bytes):
            self._bytes -= len(self._frames.popleft().jpeg)
        return frame

    def since(self, pts: float) -> Iterator[BufferedFrame]:
        """The buffered frames shown at or after ``pts``, oldest first."""
        return (f for f in list(self._frames) if f.pts >= pts)

    def clear(self) -> None:
        self._frames.clear()
        self._bytes = 0
