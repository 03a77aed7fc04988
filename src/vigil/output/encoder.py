"""H.264 MP4 that browsers play: libx264, yuv420p, even size, ``+faststart``.

Frames carry their own presentation times (variable frame rate is kept). Colour
conversion and encoding run on a background thread fed by a bounded queue, so the
caller waits only when the encoder falls behind by ``queue_size`` frames.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np

from vigil.errors import OutputError
from vigil.output._files import prepare_path
from vigil.types import Image

log = logging.getLogger(__name__)

TIME_BASE = Fraction(1, 90000)
_STOP = None


class H264Writer:
    """Encode BGR images with their stream times into an MP4 file.

    width/height: the size of the images given; odd sizes are padded by one pixel
    (yuv420p needs even ones) and images of another size are resized to it.
    fps: the nominal rate, used only as a hint and to space frames whose time does not
    increase (the first frame is at t=0; times that go backwards, as when a file
    loops, continue from the last one). threads: x264 encoder threads (0: as many as
    x264 likes; 1 where many encoders share the machine, as camera workers do).
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float | None = None,
        *,
        crf: int = 26,
        preset: str = "veryfast",
        threads: int = 0,
        queue_size: int = 8,
    ) -> None:
        if width < 2 or height < 2:
            raise ValueError(f"{path}: video size must be at least 2x2, got {width}x{height}")
        self.path = prepare_path(path)
        self.width, self.height = width, height
        self.enc_width, self.enc_height = width + width % 2, height + height % 2
        self.fps = fps if fps and fps > 0 else 25.0
        self._interval = max(1, round(TIME_BASE.denominator / self.fps))
        self._last_ticks: int | None = None
        self._offset = 0  # ticks added after time went backwards
        self._first: float | None = None
        self.frames_written = 0
        self.encode_seconds = 0.0
        self._error: BaseException | None = None
        self._reported = False
        self._closed = False
        try:
            self._container = av.open(str(self.path), "w", format="mp4", options={"movflags": "+faststart"})
        except (av.FFmpegError, OSError) as e:
            raise OutputError(f"{self.path}: cannot open MP4 file for writing: {e}") from e
        try:
            rate = Fraction(self.fps).limit_denominator(1001)
            options = {"preset": preset, "crf": str(crf), "threads": str(threads)}
            self._stream = self._container.add_stream("libx264", rate=rate, options=options)
            self._stream.width, self._stream.height = self.enc_width, self.enc_height
            self._stream.pix_fmt = "yuv420p"
            self._stream.codec_context.time_base = TIME_BASE
        except (av.FFmpegError, ValueError) as e:
            self._container.close()
            raise OutputError(
                f"{self.path}: cannot set up the libx264 encoder (preset {preset!r}, crf {crf}): {e}"
            ) from e
        self._queue: queue.Queue[tuple[Image, int] | None] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name=f"h264:{self.path.name}", daemon=True)
        self._thread.start()

    def write(self, image: Image, pts: float) -> None:
        """Queue one BGR image shown at stream time ``pts`` (seconds). The image must not
        be modified afterwards (the encoder reads it later)."""
        self._raise_if_failed()
        if self._closed:
            raise OutputError(f"{self.path}: write after close")
        self._queue.put((image, self._ticks(pts)))

    def _ticks(self, pts: float) -> int:
        if self._first is None:
            self._first = pts
        ticks = round((pts - self._first) * TIME_BASE.denominator) + self._offset
        if self._last_ticks is not None and ticks <= self._last_ticks:
            want = self._last_ticks + self._interval
            self._offset += want - ticks
            ticks = want
        self._last_ticks = ticks
        return ticks

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            if self._error is not None:
                continue  # keep draining so that the producer never blocks
            image, ticks = item
            try:
                t0 = time.perf_counter()
                self._encode(image, ticks)
                self.encode_seconds += time.perf_counter() - t0
                self.frames_written += 1
            except Exception as e:
                self._error = e
        try:
            if self._error is None:
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
        except Exception as e:
            self._error = e
        finally:
            try:
                self._container.close()
            except Exception as e:
                self._error = self._error or e

    def _encode(self, image: Image, ticks: int) -> None:
        h, w = image.shape[:2]
        if (w, h) != (self.width, self.height):
            image = np.asarray(cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA), np.uint8)
        if (self.enc_width, self.enc_height) != (self.width, self.height):
            pad_bottom, pad_right = self.enc_height - self.height, self.enc_width - self.width
            image = np.asarray(cv2.copyMakeBorder(image, 0, pad_bottom, 0, pad_right, cv2.BORDER_REPLICATE), np.uint8)
        i420 = np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), np.uint8)
        frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
        frame.pts = ticks
        frame.time_base = TIME_BASE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            self._reported = True
            raise OutputError(f"{self.path}: video encoding failed: {self._error}") from self._error

    def close(self) -> None:
        """Encode what is queued, finish the file and stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()
        log.debug("%s: %d frames encoded, %.1f ms/frame", self.path, self.frames_written,
                  1000 * self.encode_seconds / max(1, self.frames_written))
        if not self._reported:  # an error already raised by write() is not raised again
            self._raise_if_failed()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
