"""One camera's per-frame work: detect, track, derive events. No I/O."""

from __future__ import annotations

import time
from dataclasses import dataclass

from vigil.analytics.engine import AnalyticsEngine
from vigil.detect.base import Detector
from vigil.track.base import Tracker
from vigil.types import Detections, Event, Frame, Tracks


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one analysed frame produced."""

    frame: Frame
    detections: Detections
    tracks: Tracks
    ended_track_ids: tuple[int, ...]
    events: tuple[Event, ...]


class CameraPipeline:
    """``process(frame, wall_time) -> FrameResult``: detector, tracker, behaviour rules, timed.

    wall_time: wall-clock seconds of a live frame (for rules with active hours);
    None for files, where time-of-day windows are always armed.
    """

    def __init__(self, camera: str, detector: Detector, tracker: Tracker, analytics: AnalyticsEngine) -> None:
        self.camera = camera
        self.detector = detector
        self.tracker = tracker
        self.analytics = analytics
        self.tracking_seconds = 0.0
        self.frames = 0

    @property
    def analytics_seconds(self) -> float:
        return self.analytics.seconds

    def process(self, frame: Frame, wall_time: float | None = None) -> FrameResult:
        detections = self.detector.detect(frame.image)
        t0 = time.perf_counter()
        tracks = self.tracker.update(detections, frame.pts)
        ended = tuple(self.tracker.finished())
        self.tracking_seconds += time.perf_counter() - t0
        events = self.analytics.evaluate(tracks, frame.pts, (frame.width, frame.height), wall_time)
        self.frames += 1
        return FrameResult(frame, detections, tracks, ended, tuple(events))

    def close(self, t: float) -> list[Event]:
        """End ongoing behaviour events at stream time ``t``."""
        return self.analytics.close(t)
