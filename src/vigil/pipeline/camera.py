"""One camera's per-frame work: detect, track, derive events. No I/O."""

from __future__ import annotations

import time
from dataclasses import dataclass

from vigil.analytics.engine import AnalyticsEngine
from vigil.analytics.scene import SceneScorer, UnusualActivityDetector
from vigil.count.live import CountingStage
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
    anomaly: float | None = None


class CameraPipeline:
    """``process(frame, wall_time) -> FrameResult``: detector, tracker, behaviour rules, timed.

    wall_time: wall-clock seconds of a live frame (for rules with active hours);
    None for files, where time-of-day windows are always armed.
    """

    def __init__(
        self,
        camera: str,
        detector: Detector,
        tracker: Tracker,
        analytics: AnalyticsEngine,
        unusual: UnusualActivityDetector | None = None,
        counting: CountingStage | None = None,
    ) -> None:
        """``counting``: the camera's counting stage when occupancy and overcrowding use counts, not tracks
        (``CountingStage.from_config``). With ``unusual``, one optical flow per frame serves the scene model and
        the rules that read the crowd's motion."""
        self.camera = camera
        self.detector = detector
        self.tracker = tracker
        self.analytics = analytics
        self.unusual = unusual
        self.counting = counting
        self.scorer = SceneScorer(unusual.model, threshold=unusual.threshold) if unusual is not None else None
        if self.scorer is not None:
            analytics.share_flow(self.scorer.flow)  # one optical flow per frame serves the scene model and the rules
        self.tracking_seconds = 0.0
        self.scene_seconds = 0.0
        self.frames = 0

    @property
    def analytics_seconds(self) -> float:
        """Behaviour rules plus the learned scene model."""
        return self.analytics.seconds + self.scene_seconds

    @property
    def counting_seconds(self) -> float:
        """The counting stage's detector runs (0 when occupancy counts tracks)."""
        return self.counting.seconds if self.counting is not None else 0.0

    @property
    def anomaly_threshold(self) -> float | None:
        return self.unusual.threshold if self.unusual is not None else None

    def process(self, frame: Frame, wall_time: float | None = None) -> FrameResult:
        detections = self.detector.detect(frame.image)
        t0 = time.perf_counter()
        tracks = self.tracker.update(detections, frame.pts)
        ended = tuple(self.tracker.finished())
        self.tracking_seconds += time.perf_counter() - t0
        size = (frame.width, frame.height)
        counts = self.counting.update(frame.image, frame.pts, size) if self.counting is not None else None
        events = self.analytics.evaluate(tracks, frame.pts, size, wall_time, image=frame.image, counts=counts)
        anomaly = None
        if self.scorer is not None and self.unusual is not None:
            t1 = time.perf_counter()
            score = self.scorer.score(frame, tracks)
            events.extend(self.unusual.update(score))
            anomaly = score.frame_score
            self.scene_seconds += time.perf_counter() - t1
        self.frames += 1
        return FrameResult(frame, detections, tracks, ended, tuple(events), anomaly)

    def close(self, t: float) -> list[Event]:
        """End ongoing behaviour events at stream time ``t``."""
        events = self.analytics.close(t)
        if self.unusual is not None:
            events.extend(self.unusual.close(t))
        return events
