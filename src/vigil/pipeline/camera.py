"""One camera's per-frame work: detect, track, derive events. No I/O."""

from __future__ import annotations

import time
from dataclasses import dataclass

from vigil.detect.base import Detector
from vigil.track.base import Tracker
from vigil.types import Detections, Frame, Tracks


@dataclass(frozen=True, slots=True)
class FrameResult:
    """What one analysed frame produced."""

    frame: Frame
    detections: Detections
    tracks: Tracks
    ended_track_ids: tuple[int, ...]


class CameraPipeline:
    """``process(frame) -> FrameResult``: detector then tracker, timed."""

    def __init__(self, camera: str, detector: Detector, tracker: Tracker) -> None:
        self.camera = camera
        self.detector = detector
        self.tracker = tracker
        self.tracking_seconds = 0.0
        self.frames = 0

    def process(self, frame: Frame) -> FrameResult:
        detections = self.detector.detect(frame.image)
        t0 = time.perf_counter()
        tracks = self.tracker.update(detections, frame.pts)
        ended = tuple(self.tracker.finished())
        self.tracking_seconds += time.perf_counter() - t0
        self.frames += 1
        return FrameResult(frame, detections, tracks, ended)
