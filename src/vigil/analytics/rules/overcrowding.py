"""Overcrowding: the count in a zone (or the frame) stays above a limit.

The count is of tracks, or, when the camera opts in to counting (``counting: {occupancy: true}``) and the rule
counts people, the counting stage's calibrated, smoothed count (``count_source`` says which). The event starts
once the count has been above ``max_count`` for ``min_duration``
seconds (a single frame at or below the limit restarts that wait, except gaps of
one or two frames, < 0.2 s), updates at each new peak (at most once a second) and
periodically, and ends after ``end_after`` seconds at or below the limit.
"""

from __future__ import annotations

from vigil.analytics.base import FrameState, RuleBase, margin_confidence
from vigil.analytics.rules._sustain import Sustained
from vigil.config.analytics import OvercrowdingRule as OvercrowdingConfig
from vigil.detect.classes import PERSON
from vigil.types import Event

GAP_TOLERANCE = 0.2
PERSON_ONLY = frozenset({PERSON})
PEAK_UPDATE_GAP = 1.0


class OvercrowdingRule(RuleBase):
    kind = "overcrowding"

    def __init__(self, camera: str, cfg: OvercrowdingConfig, classes: frozenset[int]) -> None:
        super().__init__(camera, cfg.rule_name)
        self.zone, self.classes, self.max_count = cfg.zone, classes, cfg.max_count
        self.update_interval = cfg.update_interval
        self._sustain = Sustained(cfg.min_duration, cfg.end_after, GAP_TOLERANCE)
        self._peak = 0
        self._count = 0
        self._ids: list[int] = []
        self._last_update = 0.0
        self._source = "tracks"

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        m = s.select(self.classes, self.zone)
        count = int(m.sum())
        counted = s.counts.get(self.zone) if s.counts is not None and self.classes == PERSON_ONLY else None
        if counted is not None:  # the camera's counting stage: calibrated, smoothed, sees the whole crowd
            count = max(0, round(counted))
        self._source = "tracks" if counted is None else "counting"
        above = count > self.max_count
        if above:
            self._count, self._ids = count, [int(x) for x in s.ids[m]]
        phase = self._sustain.step(above, t)
        if phase == "start":
            self._peak, self._last_update = count, t
            return [self._record("start", t)]
        if phase == "end":
            return [self._record("end", t, count)]
        if self._sustain.active and above:
            if count > self._peak and t - self._last_update >= PEAK_UPDATE_GAP:
                self._peak, self._last_update = count, t
                return [self._record("update", t, reason="peak")]
            if t - self._last_update >= self.update_interval - 1e-9:
                self._last_update = t
                return [self._record("update", t, reason="periodic")]
        if not self._sustain.active:
            self._peak = max(self._peak, count) if self._sustain.since is not None else 0
        return []

    def _record(self, phase: str, t: float, count: int | None = None, reason: str | None = None) -> Event:
        attrs: dict[str, float | int | str | list[float]] = {
            "count": self._count if count is None else count,
            "peak_count": max(self._peak, self._count),
            "limit": self.max_count,
            "count_source": self._source,
        }
        if self.zone:
            attrs["zone"] = self.zone
        if phase == "end":
            attrs["duration"] = round(self._sustain.last_true - self._sustain.started, 3)
        if reason:
            attrs["reason"] = reason
        conf = margin_confidence(self._peak, self.max_count + 1, 1.5) if self.max_count >= 0 else 1.0
        return self.event(phase, t, self._ids, self._sustain.started, attrs, conf)

    def close(self, t: float) -> list[Event]:
        if not self._sustain.active:
            return []
        self._sustain.active = False
        return [self._record("end", t)]
