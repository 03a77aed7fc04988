"""Video files (anything FFmpeg reads), decoded with PyAV on FFmpeg's decoder threads."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import av
from av.video.frame import VideoFrame

from vigil.errors import SourceFormatError, SourceNotFoundError
from vigil.sources._common import SourceBase, check_window
from vigil.sources._decode import BgrConverter, FrameDecoder, nominal_rate, open_input, reason, video_stream
from vigil.sources._rate import FpsLimiter
from vigil.redaction import redact
from vigil.types import Frame

log = logging.getLogger(__name__)

_EPS = 1e-6  # seconds: tolerance when comparing pts with start/end


class FileSource(SourceBase):
    """Frames of a video file, in order, none dropped (unless ``fps`` asks for it).

    pts: seconds since the stream's first frame, from the frames' own timestamps
    (variable frame rates are kept); frames without a timestamp get
    ``decode index / nominal fps``. ``start``/``end`` (s) keep frames with
    ``start <= pts < end``; a ``start`` seeks to the keyframe before it first. ``fps``
    keeps at most that many frames per second of video, chosen by pts. A frame that fails
    to decode is skipped and counted in ``health().corrupt_frames``; a truncated file
    ends after its last good frame.

    ``path`` may also be the URL of a video file; ``timeout`` (s) then bounds each wait.
    Raises SourceNotFoundError (no such file) or SourceFormatError (not a video FFmpeg
    can decode, or not one frame decodes) when constructed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fps: float | None = None,
        start: float = 0.0,
        end: float | None = None,
        timeout: float | None = None,
        name: str | None = None,
    ) -> None:
        check_window(fps, start, end)
        target = os.fspath(path)
        is_url = "://" in target
        self._display = redact(target)
        if not is_url:
            if not Path(target).exists():
                raise SourceNotFoundError(f"video file {self._display} does not exist")
            if Path(target).is_dir():
                raise SourceFormatError(f"{self._display} is a folder, not a video file")
        super().__init__(name or (self._display if is_url else Path(target).stem))
        self._container = open_input(target, self._display, live=is_url, timeout=timeout if is_url else None)
        try:
            self._stream = video_stream(self._container, self._display)
            self._native_fps = nominal_rate(self._stream)
            self._start = start
            self._end = end
            self._limiter = FpsLimiter(fps)
            self._convert = BgrConverter()
            self._decoder = FrameDecoder(self._container, self._stream, self._display, self._health.corrupt)
            self._decoded = 0  # frames out of the decoder, in or out of the window
            self._index = 0  # frames delivered
            self._done = False
            self._frames = self._timed_frames(seek=start > 0)
            self._pending = self._next_in_window()
        except BaseException:
            self._container.close()
            raise
        if self._pending is None and self._decoded == 0:
            self.close()
            why = self._decoder.error or self._health.snapshot().last_error or "the stream holds no frames"
            raise SourceFormatError(f"{self._display}: no frame could be decoded ({why})")
        if self._pending is None:
            log.warning("%s: no frame between start %g s and end %s s", self._display, start, end)
        log.debug("opened %s: %s, %s fps", self._display, self._stream.codec_context.name, self._native_fps)

    @property
    def fps(self) -> float | None:
        """The file's nominal frame rate (before any ``fps`` limit); None when unknown."""
        return self._native_fps

    @property
    def frame_count(self) -> int | None:
        """Frames in the whole file per its header (before start/end/fps); None when unknown."""
        n = self._stream.frames
        return n if n > 0 else None

    def read(self) -> Frame | None:
        frame = self._pending
        if frame is None:
            return None
        self._pending = self._next_in_window()
        self._health.frame(time.time())
        return frame

    def close(self) -> None:
        self._pending = None
        self._done = True
        self._container.close()

    def _timed_frames(self, *, seek: bool) -> Iterator[tuple[VideoFrame, float]]:
        """Decoded frames with their pts in seconds, strictly increasing."""
        stream = self._stream
        tb = float(stream.time_base) if stream.time_base else None
        origin = stream.start_time  # ticks of the stream's first frame
        if seek:
            if origin is None:
                origin = 0
            if tb is not None:
                self._seek(int(self._start / tb) + origin)
        rate = self._native_fps or 25.0
        last = -1.0
        for frame in self._decoder:
            self._decoded += 1
            ticks = frame.pts
            if ticks is not None and tb is not None:
                if origin is None or (not seek and self._decoded == 1 and ticks < origin):
                    origin = ticks
                pts = round((ticks - origin) * tb, 6)
            else:
                pts = round((self._decoded - 1) / rate, 6)
            if pts <= last:  # repeated or backward timestamp: keep time moving forward
                pts = round(last + 1.0 / rate, 6)
            last = pts
            yield frame, pts

    def _seek(self, ticks: int) -> None:
        try:
            self._container.seek(ticks, stream=self._stream, backward=True, any_frame=False)
        except av.FFmpegError as e:  # unseekable: decode from where we are and skip
            log.info("%s: cannot seek (%s); decoding from the start", self._display, reason(e))

    def _next_in_window(self) -> Frame | None:
        if self._done:
            return None
        for frame, pts in self._frames:
            if pts < self._start - _EPS:
                continue
            if self._end is not None and pts >= self._end - _EPS:
                break
            if not self._limiter.accept(pts):
                continue
            out = Frame(self._convert(frame), self._index, pts)
            self._index += 1
            return out
        self._done = True
        if self._decoder.error:
            self._health.error(self._decoder.error)
        return None
