"""UnusualActivityDetector: scene scores -> ``unusual_activity`` events (start / update / end).

    detector = UnusualActivityDetector(model, camera="cam1")
    for frame in source:
        events = detector.update(scorer.score(frame))
    events += detector.close(last_t)

The gate (threshold, hysteresis, minimum duration) is the one the threshold was
calibrated with. Attributes: ``score`` (current), ``peak`` (highest so far),
``threshold`` and ``region`` ([x1, y1, x2, y2] in source pixels: the cells scoring
above the threshold, else the highest cell).
"""

from __future__ import annotations

import numpy as np

from vigil.analytics.scene.calibrate import EventGate
from vigil.analytics.scene.model import SceneModel
from vigil.analytics.scene.scorer import SceneScore
from vigil.config.scene import UnusualActivityConfig
from vigil.types import Event

KIND = "unusual_activity"


def score_region(model: SceneModel, cells: np.ndarray, threshold: float) -> list[float]:
    """Source-pixel box [x1, y1, x2, y2] around the cells at or above ``threshold`` (else the top cell)."""
    hot = cells >= threshold
    if not hot.any():
        hot = cells == cells.max()
    rows, cols = np.nonzero(hot)
    c = model.config.cell
    sx = model.source_size[0] / model.working_size[0]
    sy = model.source_size[1] / model.working_size[1]
    return [
        round(float(cols.min() * c * sx), 1), round(float(rows.min() * c * sy), 1),
        round(float((cols.max() + 1) * c * sx), 1), round(float((rows.max() + 1) * c * sy), 1),
    ]  # fmt: skip


class UnusualActivityDetector:
    """One camera's unusual_activity events from its scene scores. Pure state machine, no I/O."""

    def __init__(self, model: SceneModel, cfg: UnusualActivityConfig | None = None, camera: str = "video") -> None:
        self.model = model
        self.cfg = cfg or UnusualActivityConfig()
        self.camera = camera
        self.threshold = float(self.cfg.threshold if self.cfg.threshold is not None else model.threshold)
        self._gate = EventGate(self.threshold, self.cfg.hysteresis, self.cfg.min_duration, self.cfg.end_after)
        self._peak = -np.inf
        self._region: list[float] = []
        self._next_update = 0.0
        self._last_score = 0.0

    @property
    def active(self) -> bool:
        return self._gate.active

    def _event(self, phase: str, s: SceneScore) -> Event:
        attrs: dict[str, float | int | str | list[float]] = {
            "score": round(s.frame_score, 3), "peak": round(float(self._peak), 3),
            "threshold": round(self.threshold, 3), "region": self._region,
        }  # fmt: skip
        return Event(KIND, phase, s.t, self.camera, started=self._gate.started, attributes=attrs)

    def update(self, s: SceneScore) -> list[Event]:
        """Events caused by one frame's score (usually none)."""
        phase = self._gate.update(s.t, s.frame_score)
        self._last_score = s.frame_score
        if (self._gate.active or phase == "end") and (s.frame_score > self._peak or phase == "start"):
            self._peak = max(s.frame_score, self._peak) if phase != "start" else s.frame_score
            self._region = score_region(self.model, s.cell_scores, self.threshold)
        if phase == "start":
            self._next_update = s.t + self.cfg.update_interval
            return [self._event("start", s)]
        if phase == "end":
            ev = self._event("end", s)
            self._peak = -np.inf
            return [ev]
        if self._gate.active and s.t >= self._next_update:
            self._next_update = s.t + self.cfg.update_interval
            return [self._event("update", s)]
        return []

    def close(self, t: float) -> list[Event]:
        """End an ongoing event at stream time ``t`` (end of the stream)."""
        if not self._gate.active:
            return []
        ev = Event(
            KIND, "end", t, self.camera, started=self._gate.started,
            attributes={"score": round(self._last_score, 3), "peak": round(float(self._peak), 3),
                        "threshold": round(self.threshold, 3), "region": self._region},
        )  # fmt: skip
        self._gate = EventGate(self.threshold, self.cfg.hysteresis, self.cfg.min_duration, self.cfg.end_after)
        self._peak = -np.inf
        return [ev]
