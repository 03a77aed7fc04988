"""The I/O thread of a clip recorder: decodes buffered JPEG frames, encodes clips, writes snapshots.

The recorder decides what goes where at frame time and queues plain commands; this
thread does the slow part, so that an event start (which hands over the whole
pre-roll at once) never stalls the camera's pipeline. The queue is bounded: when
the disk or encoder falls far behind, ``put`` waits (backpressure) instead of
growing without limit. Finished files are reported through ``on_media`` on this
thread. Failures never escape: a full disk goes to the :class:`DiskGuard`, anything
else is kept as ``error``; a failed clip part is abandoned (its partial file deleted)
and the commands for it are skipped.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vigil.errors import OutputError
from vigil.recording.base import WallClock
from vigil.recording.disk import DiskGuard, is_disk_full
from vigil.recording.media import (
    MediaCallback,
    MediaFile,
    VideoFile,
    VideoWriterFactory,
    WriteBytes,
)
from vigil.recording.preroll import BufferedFrame

log = logging.getLogger(__name__)

QUEUE_FRAMES = 1024
"""Commands queued at most (JPEG frames of ~50-100 kB at 768x576: ~100 MB at worst)."""

RAW_QUEUED = 32
"""Raw frames queued at most: behind that, frames are queued as JPEG (~43 MB raw at 768x576)."""

RAW_QUALITY = 85
"""JPEG quality of frames compressed because the writer is behind."""


@dataclass(frozen=True, slots=True)
class OpenClip:
    token: int  # names this part: ``failed_token`` tells the recorder which part failed
    path: Path
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FinishClip:
    event_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Snapshot:
    event_id: str
    path: Path
    jpeg: bytes
    pts: float
    at: datetime


Command = OpenClip | BufferedFrame | FinishClip | Snapshot


class ClipWriter:
    """Runs the commands of one recorder in order on a background thread."""

    def __init__(
        self,
        camera: str,
        data_dir: Path,
        on_media: MediaCallback,
        clock: WallClock,
        *,
        fps: float | None,
        factory: VideoWriterFactory,
        write_bytes: WriteBytes,
        disk: DiskGuard,
    ) -> None:
        self.camera = camera
        self.data_dir = data_dir
        self.on_media = on_media
        self.clock = clock
        self.fps = fps
        self._factory = factory
        self._write_bytes = write_bytes
        self.disk = disk
        self.files = 0
        self.failed_token = -1  # the latest clip part that failed (the recorder starts a new part)
        self.error: str | None = None
        self._video: VideoFile | None = None
        self._skip = False  # the current part failed: ignore its frames until the next OpenClip
        self._token = -1
        self._last_pts = 0.0
        self._queue: queue.Queue[Command | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._thread = threading.Thread(target=self._run, name=f"clips:{camera}", daemon=True)
        self._thread.start()

    def put(self, command: Command) -> None:
        if isinstance(command, BufferedFrame) and command.raw is not None and self._queue.qsize() >= RAW_QUEUED:
            command = command.compressed(RAW_QUALITY)  # the writer is behind: keep the backlog small
        self._queue.put(command)

    def flush(self) -> None:
        """Wait until every queued command has been carried out."""
        self._queue.join()

    def close(self) -> None:
        """Carry out what is queued and stop the thread (an open part is abandoned)."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            command = self._queue.get()
            try:
                if command is None:
                    if self._video is not None:
                        self._video.abandon()
                    return
                self._do(command)
            except Exception:  # a bug here must not kill the thread: the producer would block forever
                log.exception("camera %s: clip writer failed on %s", self.camera, type(command).__name__)
            finally:
                self._queue.task_done()

    def _do(self, command: Command) -> None:
        if isinstance(command, BufferedFrame):
            self._last_pts = command.pts
            if self._video is not None and not self._skip:
                try:
                    self._video.write(command.decode(), command.pts)
                except (OutputError, OSError) as e:
                    self._fail(self._video.path, e)
        elif isinstance(command, OpenClip):
            if self._video is not None:  # not finished: should not happen, but never leak a file
                self._video.abandon()
            self._video, self._skip, self._token = None, False, command.token
            try:
                self._video = VideoFile(command.path, command.width, command.height, self.fps, self._factory)
            except (OutputError, OSError) as e:
                self._fail(command.path, e)
        elif isinstance(command, FinishClip):
            self._finish(command.event_ids)
        else:
            self._snapshot(command)

    def _finish(self, event_ids: tuple[str, ...]) -> None:
        video, self._video = self._video, None
        if video is None or self._skip:
            return
        try:
            kept = video.finish()
        except (OutputError, OSError) as e:
            video.abandon()
            self._note(video.path, e)
            return
        if not kept or video.first_pts is None or video.last_pts is None:
            return
        self._done()
        rel = video.path.relative_to(self.data_dir).as_posix()
        log.info(
            "camera %s: clip %s (%.1f s, %d frames)", self.camera, rel, video.last_pts - video.first_pts, video.frames
        )
        start, end = self.clock.at(video.first_pts), self.clock.at(video.last_pts)
        for eid in event_ids:
            self._report(MediaFile(eid, "clip", rel, video.first_pts, video.last_pts, start, end))

    def _snapshot(self, s: Snapshot) -> None:
        try:
            self._write_bytes(s.path, s.jpeg)
        except (OutputError, OSError) as e:
            self._note(s.path, e)
            return
        self._done()
        self._report(MediaFile(s.event_id, "snapshot", s.path.relative_to(self.data_dir).as_posix(), s.pts, s.pts,
                               s.at, s.at))

    def _fail(self, path: Path, error: BaseException) -> None:
        if self._video is not None:
            self._video.abandon()
        self._video, self._skip = None, True
        self.failed_token = self._token
        self._note(path, error)

    def _note(self, path: Path, error: BaseException) -> None:
        if is_disk_full(error):
            self.disk.report_full(self._last_pts, error)
            return
        if self.error is None:
            log.error("camera %s: %s: recording failed: %s", self.camera, path, error)
        self.error = f"{path}: {error}"

    def _done(self) -> None:
        self.files += 1
        self.error = None
        self.disk.wrote()

    def _report(self, media: MediaFile) -> None:
        try:
            self.on_media(media)
        except Exception:  # the callback is the caller's; a failure there must not stop recording
            log.exception("camera %s: media callback failed for %s", self.camera, media.path)
