"""The pre-roll ring buffer: the last few seconds of (processed) frames.

Bounded by seconds of stream time AND by bytes: the oldest frames go first when
either limit is passed. Frames are held as they are (raw BGR) while the whole
pre-roll fits in the byte cap: no encoding per frame, which is most of what
recording costs a camera at low analysis rates (5 s at 5 frames/s of 768x576 is
33 MB). Once raw frames would push out frames still inside the pre-roll, the buffer
switches to JPEG (quality ``quality``) for good, compressing what it holds: at
768x576 with quality 85 a frame of a typical scene takes 40-90 kB, so 5 s at 25 fps
is about 5-11 MB, against 166 MB raw. ``tests/recording/test_preroll.py`` measures
it on a textured synthetic scene.
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
    """One frame in the buffer: stream time ``pts`` (s) and the image, as JPEG bytes or raw."""

    pts: float
    jpeg: bytes | None = None
    raw: Image | None = None

    @property
    def nbytes(self) -> int:
        if self.raw is not None:
            return int(self.raw.nbytes)
        return len(self.jpeg or b"")

    def decode(self) -> Image:
        """The (H, W, 3) uint8 BGR image."""
        if self.raw is not None:
            return self.raw
        img = cv2.imdecode(np.frombuffer(self.jpeg or b"", np.uint8), cv2.IMREAD_COLOR)
        return np.asarray(img, np.uint8)

    def compressed(self, quality: int) -> BufferedFrame:
        """This frame held as JPEG."""
        if self.raw is None:
            return self
        return BufferedFrame(self.pts, _jpeg(self.raw, quality))


def _jpeg(image: Image, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # cannot happen for a valid uint8 BGR image
        raise ValueError(f"pre-roll: cannot JPEG-encode an image of shape {image.shape}")
    return bytes(buf.tobytes())


class PrerollBuffer:
    """Ring buffer of the frames of the last ``seconds`` of stream time, at most ``max_bytes`` held.

    ``append(image, pts)`` stores; ``since(pts)`` yields the frames from a time on.
    raw: start by holding raw frames (False: JPEG from the first frame).
    """

    def __init__(self, seconds: float, max_bytes: int, *, quality: int = 85, raw: bool = True) -> None:
        if seconds < 0:
            raise ValueError(f"pre-roll of {seconds} s: must not be negative")
        if max_bytes < 1:
            raise ValueError(f"pre-roll memory cap of {max_bytes} bytes: must be positive")
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.quality = quality
        self.raw = raw
        self._frames: deque[BufferedFrame] = deque()
        self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes of image data held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)

    def append(self, image: Image, pts: float) -> BufferedFrame:
        """Keep ``image`` (BGR) shown at ``pts`` (the caller must not change it afterwards); drop
        what falls out of the limits. Returns the stored frame."""
        if self._frames and pts < self._frames[-1].pts:  # time went backwards (a looping file): start over
            self.clear()
        frame = BufferedFrame(pts, raw=image) if self.raw else BufferedFrame(pts, _jpeg(image, self.quality))
        self._frames.append(frame)
        self._bytes += frame.nbytes
        oldest = pts - self.seconds
        while self._frames and self._frames[0].pts < oldest:
            self._bytes -= self._frames.popleft().nbytes
        if self.raw and self._bytes > self.max_bytes:  # the pre-roll does not fit raw: JPEG from now on
            self._compress()
            frame = self._frames[-1]
        while self._frames and self._bytes > self.max_bytes:
            self._bytes -= self._frames.popleft().nbytes
        return frame

    def _compress(self) -> None:
        self.raw = False
        self._frames = deque(f.compressed(self.quality) for f in self._frames)
        self._bytes = sum(f.nbytes for f in self._frames)

    def since(self, pts: float) -> Iterator[BufferedFrame]:
        """The buffered frames shown at or after ``pts``, oldest first."""
        return (f for f in list(self._frames) if f.pts >= pts)

    def clear(self) -> None:
        self._frames.clear()
        self._bytes = 0
