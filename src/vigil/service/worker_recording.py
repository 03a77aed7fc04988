"""A camera worker's recorders: event clips and snapshots, and continuous segments.

Built only when the camera's ``recording.enabled`` is on and the worker has a data
directory. ``push(frame, tracks, events, origin)`` once per analysed frame, with the raw
(unmasked) frame and the (event id, event) pairs raised at it; the recorders burn the
configured redaction into what they store. Each finished file is sent to the parent as
a :class:`WorkerMedia` through ``send`` (from the clip writer's thread; a
multiprocessing queue is safe to put on from several threads). The worker sends each
event before pushing its frame here, so on the parent's queue an event always comes
before its media.

Stream time maps to wall time through one :class:`WallClock` whose epoch follows the
worker's ``origin`` (the wall time of pts 0, re-anchored when a live clock drifts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from vigil.config.service import CameraConfig
from vigil.output.annotate import Annotator
from vigil.output.scene import SceneGeometry
from vigil.recording import (
    ClipRecorder,
    MediaFile,
    RecorderHealth,
    SegmentRecorder,
    WallClock,
)
from vigil.service.health import WorkerMedia
from vigil.types import Event, Frame, Tracks

log = logging.getLogger(__name__)


class WorkerRecorders:
    """Clip and snapshot recorder, plus a segment recorder when continuous recording is on."""

    def __init__(self, cfg: CameraConfig, data_dir: Path, send: Callable[[WorkerMedia], None]) -> None:
        self.camera = cfg.camera
        self.data_dir = data_dir
        self._send = send
        self.clock = WallClock(datetime.now(UTC))
        self._origin: float | None = None
        self._last_pts = -float("inf")
        rec = cfg.recording
        annotator = Annotator(camera=cfg.camera, scene=SceneGeometry.from_config(cfg)) if rec.annotate_clips else None
        self.clips = ClipRecorder(
            cfg.camera, data_dir, rec, self._on_media, annotator=annotator, clock=self.clock, fps=cfg.fps
        )
        self.segments: SegmentRecorder | None = None
        if rec.continuous.enabled:
            self.segments = SegmentRecorder(
                cfg.camera, data_dir, rec, self._on_media, clock=self.clock, fps=cfg.fps, disk=self.clips.disk
            )
        log.info("%s: recording to %s%s", cfg.camera, data_dir, " (continuous too)" if self.segments else "")

    def _on_media(self, media: MediaFile) -> None:
        self._send(WorkerMedia(self.camera, media.event_id, media.kind, media.path, media.started_at, media.ended_at))

    def push(self, frame: Frame, tracks: Tracks, events: Sequence[tuple[str, Event]], origin: float) -> None:
        """Record one analysed frame and the events raised at it. Never raises for I/O."""
        if frame.pts < self._last_pts:  # stream time went back (a restarted stream): the clip goes on in order
            return
        self._last_pts = frame.pts
        if origin != self._origin:
            self._origin = origin
            self.clock.epoch = datetime.fromtimestamp(origin, UTC)
        self.clips.push(frame, tracks, events)
        if self.segments is not None:
            self.segments.push(frame, tracks)

    def health(self) -> RecorderHealth:
        """The clip recorder's health (a full disk pauses both recorders)."""
        return self.clips.health()

    def close(self) -> None:
        """Finish open files (a clip's post-roll is cut short) and send their media messages."""
        try:
            self.clips.close()
        finally:
            if self.segments is not None:
                self.segments.close()
