"""Live streams (RTSP, HTTP MJPEG/HLS, webcams): read on a thread, reconnect with backoff.

A reader thread decodes the stream into a small queue that drops its oldest frame when
the consumer falls behind, so a live camera never builds lag. When the stream drops,
the thread reconnects with jittered exponential backoff and the source reports it in
``health()``; pts stay monotonic across reconnects (see LiveClock).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping

import av
from av.container import InputContainer
from av.video.frame import VideoFrame

from vigil.errors import ConfigError, SourceError
from vigil.sources._backoff import Backoff
from vigil.sources._clock import LiveClock
from vigil.sources._common import SourceBase, check_window
from vigil.sources._decode import BgrConverter, FrameDecoder, nominal_rate, open_input, reason, video_stream
from vigil.sources._rate import FpsLimiter
from vigil.redaction import redact, scrub
from vigil.types import Frame

log = logging.getLogger(__name__)

# Demuxers whose timestamps are invented (a fixed 25 fps): stamp their frames by the wall clock.
_WALL_CLOCK_FORMATS = frozenset({"mpjpeg", "mjpeg", "jpeg_pipe", "image2pipe"})
_US = 1_000_000


def rtsp_options(transport: str, timeout: float) -> dict[str, str]:
    """FFmpeg options for an RTSP client: transport and socket timeout (microseconds)."""
    if transport not in ("tcp", "udp"):
        raise ConfigError(f"rtsp_transport must be 'tcp' or 'udp', got {transport!r}")
    # FFmpeg >= 5 calls the socket timeout "timeout"; before, "timeout" meant listen mode.
    key = "timeout" if _ffmpeg_major() >= 5 else "stimeout"
    return {"rtsp_transport": transport, key: str(int(timeout * _US)), "allowed_media_types": "video"}


def _ffmpeg_major() -> int:
    head = str(av.ffmpeg_version_info).lstrip("n").split(".")[0]
    return int(head) if head.isdigit() else 99


def http_options(timeout: float) -> dict[str, str]:
    """FFmpeg options for HTTP(S) streams (MJPEG, HLS): socket and read/write timeouts (microseconds)."""
    us = str(int(timeout * _US))
    return {"timeout": us, "rw_timeout": us}


class LiveSource(SourceBase):
    """Frames of a live stream, as fresh as possible.

    ``target``/``format``/``options`` go to FFmpeg (``av.open``); ``display`` names the
    stream in logs and errors (credentials masked by default). The first connection is
    made in the constructor: SourceUnreachableError when it fails within ``timeout``
    seconds (SourceFormatError when the answer is not video). Later drops reconnect in
    the background with ``backoff`` (0.5 s doubling to 30 s, jittered), forever unless
    ``max_reconnects`` bounds the failed attempts in a row.

    ``read()`` blocks until a frame arrives; it returns None once the source is closed
    (from any thread), gave up reconnecting, or a stream of known duration (an HLS video
    on demand, say) has ended. ``queue_size`` frames are buffered; when the caller is
    slower, the oldest are dropped (``health().dropped_frames``); frames are converted
    to BGR only when read, so dropped ones cost no conversion. ``fps`` keeps at most
    that many frames per second, chosen by pts.
    """

    def __init__(
        self,
        target: str,
        *,
        format: str | None = None,
        options: Mapping[str, str] | None = None,
        fps: float | None = None,
        timeout: float = 10.0,
        name: str | None = None,
        display: str | None = None,
        queue_size: int = 3,
        backoff: Backoff | None = None,
        max_reconnects: int | None = None,
    ) -> None:
        check_window(fps, 0.0, None)
        if not timeout > 0:
            raise ConfigError(f"timeout must be a positive number of seconds, got {timeout}")
        if queue_size < 1:
            raise ConfigError(f"queue_size must be at least 1, got {queue_size}")
        self._target = target
        self._format = format
        self._options = dict(options or {})
        self._timeout = timeout
        self._display = display or redact(target)
        super().__init__(name or self._display)
        self._limiter = FpsLimiter(fps)
        self._clock = LiveClock()
        self._backoff = backoff or Backoff()
        self._max_reconnects = max_reconnects
        # decoded frames wait here unconverted: the ones dropped never cost a BGR conversion
        self._queue: deque[tuple[VideoFrame, float]] = deque(maxlen=queue_size)
        self._convert = BgrConverter()  # used by read(), on the consumer's thread
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._finished = False  # reader thread is done: no more frames will come
        self._index = 0

        container = self._connect()
        try:
            stream = video_stream(container, self._display)
        except SourceError:
            container.close()
            raise
        self._native_fps = None if container.format.name in _WALL_CLOCK_FORMATS else nominal_rate(stream)
        self._thread = threading.Thread(
            target=self._run, args=(container,), name=f"vigil-live-{self.name}", daemon=True
        )
        self._thread.start()

    @property
    def fps(self) -> float | None:
        """The stream's nominal rate (before any ``fps`` limit); None when unknown, e.g. MJPEG."""
        return self._native_fps

    @property
    def frame_count(self) -> int | None:
        return None

    def read(self) -> Frame | None:
        with self._cond:
            while not self._queue and not self._finished and not self._stop.is_set():
                self._cond.wait()
            if not self._queue or self._stop.is_set():
                return None
            decoded, pts = self._queue.popleft()
        frame = Frame(self._convert(decoded), self._index, pts)
        self._index += 1
        self._health.delivered()
        return frame

    def close(self) -> None:
        """Stop the reader thread and release the stream (waits at most ``timeout`` + 1 s)."""
        self._stop.set()
        with self._cond:
            self._queue.clear()
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(self._timeout + 1.0)
            if self._thread.is_alive():
                log.warning("%s: reader thread still blocked in FFmpeg; leaving it to exit", self._display)
        self._health.set_online(False)

    # -- reader thread ------------------------------------------------------------------

    def _connect(self) -> InputContainer:
        return open_input(
            self._target, self._display, live=True, timeout=self._timeout, options=self._options, format=self._format
        )

    def _run(self, container: InputContainer | None) -> None:
        failures = 0
        try:
            while not self._stop.is_set():
                if container is None:
                    if self._max_reconnects is not None and failures >= self._max_reconnects:
                        log.error("%s: giving up after %d failed reconnects", self._display, failures)
                        return
                    delay = self._backoff.next_delay()
                    log.info("%s: reconnecting in %.1f s", self._display, delay)
                    if self._stop.wait(delay):
                        return
                    try:
                        container = self._connect()
                    except SourceError as e:
                        failures += 1
                        self._health.error(str(e))
                        log.warning("%s", e)
                        continue
                    failures = 0
                    self._health.reconnected()
                    log.info("%s: reconnected", self._display)
                try:
                    ended = self._pump(container)
                finally:
                    self._health.set_online(False)
                    container.close()
                    container = None
                if ended:
                    return
        except Exception as e:  # a bug must not die silently in a thread
            log.error("%s: reader thread failed: %s", self._display, reason(scrub(e)), exc_info=True)
            self._health.error(f"{self._display}: reader failed: {reason(e)}")
        finally:
            if container is not None:
                container.close()
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def _pump(self, container: InputContainer) -> bool:
        """Decode one connection into the queue; True when the stream ended for good."""
        try:
            stream = video_stream(container, self._display)
        except SourceError as e:
            self._health.error(str(e))
            log.warning("%s", e)
            return False
        wall_clock = container.format.name in _WALL_CLOCK_FORMATS
        tb = float(stream.time_base) if stream.time_base else None
        decoder = FrameDecoder(container, stream, self._display, self._health.corrupt)
        self._clock.new_segment()
        first = True
        try:
            for frame in decoder:
                if self._stop.is_set():
                    return True
                wall = time.time()
                t = None if wall_clock or frame.pts is None or tb is None else frame.pts * tb
                pts = self._clock.stamp(t)
                self._health.received(wall)
                if first:
                    first = False
                    self._backoff.reset()
                if self._limiter.accept(pts):
                    self._push(frame, pts)
        except av.FFmpegError as e:
            message = f"{self._display}: stream failed: {reason(e)}"
            self._health.error(message)
            log.warning("%s", message)
            return False
        if decoder.error is not None:
            self._health.error(decoder.error)
            return False
        if container.duration is not None and container.duration > 0:
            log.info("%s: stream ended", self._display)
            return True
        message = f"{self._display}: stream ended unexpectedly"
        self._health.error(message)
        log.warning("%s", message)
        return False

    def _push(self, frame: VideoFrame, pts: float) -> None:
        with self._cond:
            if len(self._queue) == self._queue.maxlen:
                self._health.dropped()
            self._queue.append((frame, pts))
            self._cond.notify()
