"""Continuous recording of one camera in fixed-length MP4 segments.

``push(frame, tracks)`` once per frame; a new segment starts every ``segment_seconds``
of stream time, at::

    <data_dir>/segments/<camera>/<YYYY-MM-DD>/<HH-MM-SS>.mp4     (UTC start time)

Segments are redacted like clips but not annotated. Each finished segment is reported
through ``on_media`` (kind "segment", no event id). A full disk pauses recording
(health ``disk_full``) until space returns; no error escapes ``push``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Self

from vigil.config.recording import RecordingConfig
from vigil.errors import OutputError
from vigil.recording.base import RecorderHealth, WallClock, safe_name
from vigil.recording.disk import GB, DiskGuard, is_disk_full
from vigil.recording.media import (
    MediaCallback,
    MediaFile,
    VideoFile,
    VideoWriterFactory,
    h264_factory,
)
from vigil.recording.redact import Redactor
from vigil.types import Frame, Tracks

log = logging.getLogger(__name__)

SEGMENTS_DIR = "segments"
RETRY_SECONDS = 10.0


class SegmentRecorder:
    """Continuous recording in segments. See the module docstring."""

    def __init__(
        self,
        camera: str,
        data_dir: str | Path,
        config: RecordingConfig,
        on_media: MediaCallback | None = None,
        *,
        clock: WallClock | None = None,
        fps: float | None = None,
        writer_factory: VideoWriterFactory | None = None,
        disk: DiskGuard | None = None,
    ) -> None:
        self.camera = camera
        self.data_dir = Path(data_dir)
        self.config = config
        self.segment_seconds = config.continuous.segment_seconds
        self.on_media = on_media
        self.clock = clock or WallClock()
        self.fps = fps
        self.redactor = Redactor(config.redaction)
        self.disk = disk or DiskGuard(self.data_dir, int(config.retention.min_free_gb * GB / 2), camera=camera)
        self._factory = writer_factory or h264_factory(config.encoder_preset)
        self._video: VideoFile | None = None
        self._files = 0
        self._error: str | None = None
        self._retry_at = -float("inf")
        self._closed = False

    def push(self, frame: Frame, tracks: Tracks | None = None) -> None:
        """Record one frame. Never raises for I/O."""
        if self._closed or not (self.config.enabled and self.config.continuous.enabled):
            return
        pts = frame.pts
        video = self._video
        if video is not None and video.first_pts is not None and pts - video.first_pts >= self.segment_seconds:
            self._finish()
        if self._video is None:
            if pts < self._retry_at or not self.disk.may_write(pts):
                return
            path = self._path(pts)
            try:
                self._video = VideoFile(path, frame.width, frame.height, self.fps, self._factory)
            except (OutputError, OSError) as e:
                self._note_error(path, e, pts)
                return
        assert self._video is not None
        try:
            self._video.write(self.redactor.apply(frame.image, tracks), pts)
        except (OutputError, OSError) as e:
            video, self._video = self._video, None
            video.abandon()
            self._note_error(video.path, e, pts)

    def _path(self, pts: float) -> Path:
        at = self.clock.at(pts)
        root = self.data_dir / SEGMENTS_DIR / safe_name(self.camera) / at.strftime("%Y-%m-%d")
        path = root / f"{at.strftime('%H-%M-%S')}.mp4"
        n = 2
        while path.exists():  # a restart within the same second
            path = root / f"{at.strftime('%H-%M-%S')}-{n}.mp4"
            n += 1
        return path

    def _finish(self) -> None:
        video, self._video = self._video, None
        if video is None:
            return
        try:
            kept = video.finish()
        except (OutputError, OSError) as e:
            video.abandon()
            self._note_error(video.path, e, video.last_pts or 0.0)
            return
        if not kept or video.first_pts is None or video.last_pts is None:
            return
        self._files += 1
        self._error = None
        self.disk.wrote()
        rel = video.path.relative_to(self.data_dir).as_posix()
        log.debug("camera %s: segment %s (%d frames)", self.camera, rel, video.frames)
        if self.on_media is not None:
            media = MediaFile(None, "segment", rel, video.first_pts, video.last_pts,
                              self.clock.at(video.first_pts), self.clock.at(video.last_pts))
            try:
                self.on_media(media)
            except Exception:
                log.exception("camera %s: media callback failed for %s", self.camera, rel)

    def _note_error(self, path: Path, error: BaseException, pts: float) -> None:
        if is_disk_full(error):
            self.disk.report_full(pts, error)
            return
        if self._error is None:
            log.error("camera %s: %s: continuous recording failed: %s", self.camera, path, error)
        self._error = f"{path}: {error}"
        self._retry_at = pts + RETRY_SECONDS

    def health(self) -> RecorderHealth:
        if self._closed:
            return RecorderHealth("stopped", None, self._files, False)
        if self.disk.full:
            return RecorderHealth("disk_full", f"{self.data_dir}: disk full, recording paused", self._files, False)
        if self._error is not None:
            return RecorderHealth("error", self._error, self._files, self._video is not None)
        return RecorderHealth("ok", None, self._files, self._video is not None)

    def close(self) -> None:
        """Finish the current segment and stop."""
        if not self._closed:
            self._finish()
            self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
