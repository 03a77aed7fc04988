"""Loitering: dwell in a zone longer than ``min_dwell``, tolerant of short occlusions.

Each person in the zone has a dwell record (entered at, last seen at, where). The
record survives while its track is gone or outside for less than ``grace`` seconds,
so a short occlusion or a step over the edge does not reset the dwell. When a new
track id appears in the zone within ``grace`` seconds of a record going unseen, and
within ``handover_radius`` of where it was last seen, it takes the record over (the
tracker switched ids): dwell continues and the event lists both ids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vigil.analytics.base import F64, FrameState, RuleBase, rnd
from vigil.config.analytics import LoiteringRule as LoiteringConfig
from vigil.types import Event


@dataclass(slots=True)
class _Dwell:
    entered: float
    last_seen: float
    pos: F64
    scale: float
    track_ids: list[int]
    active: bool = False
    last_update: float = 0.0


class LoiteringRule(RuleBase):
    kind = "loitering"

    def __init__(self, camera: str, cfg: LoiteringConfig, unit_scale: float, classes: frozenset[int]) -> None:
        super().__init__(camera, cfg.rule_name)
        self.zone, self.classes = cfg.zone, classes
        self.min_dwell, self.grace, self.update_interval = cfg.min_dwell, cfg.grace, cfg.update_interval
        self.handover_radius = cfg.handover_radius if cfg.handover_radius is not None else 1.0 * unit_scale
        self._dwell: dict[int, _Dwell] = {}

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        events: list[Event] = []
        inside = s.select(self.classes, self.zone).nonzero()[0]
        newcomers = []
        for i in inside:
            d = self._dwell.get(int(s.ids[i]))
            if d is None:
                newcomers.append(i)
            else:
                d.last_seen, d.pos, d.scale = t, s.pos[i], float(s.scale[i])
        present = {int(x) for x in s.ids} if newcomers else set()
        for i in newcomers:
            tid = int(s.ids[i])
            d = self._orphan(s.pos[i], float(s.scale[i]), t, present)
            if d is None:
                d = _Dwell(t, t, s.pos[i], float(s.scale[i]), [tid])
            else:
                del self._dwell[d.track_ids[-1]]
                d.track_ids.append(tid)
                d.last_seen, d.pos, d.scale = t, s.pos[i], float(s.scale[i])
                if d.active:
                    d.last_update = t
                    events.append(self._record(d, "update", t, "track_switched"))
            self._dwell[tid] = d
        for tid, d in list(self._dwell.items()):
            if d.last_seen == t:
                if not d.active and t - d.entered >= self.min_dwell - 1e-9:
                    d.active, d.last_update = True, t
                    events.append(self._record(d, "start", t))
                elif d.active and t - d.last_update >= self.update_interval - 1e-9:
                    d.last_update = t
                    events.append(self._record(d, "update", t, "periodic"))
            elif t - d.last_seen > self.grace:
                del self._dwell[tid]
                if d.active:
                    events.append(self._record(d, "end", t))
        return events

    def _orphan(self, pos: F64, scale: float, t: float, present: set[int]) -> _Dwell | None:
        """The nearest record whose track is gone (within grace), within the handover radius."""
        best, best_d = None, math.inf
        for d in self._dwell.values():
            if d.last_seen >= t or t - d.last_seen > self.grace or d.track_ids[-1] in present:
                continue
            dist = float(np.hypot(*(pos - d.pos))) / (0.5 * (scale + d.scale))
            if dist <= self.handover_radius and dist < best_d:
                best, best_d = d, dist
        return best

    def _record(self, d: _Dwell, phase: str, t: float, reason: str | None = None) -> Event:
        attrs: dict[str, float | int | str | list[float]] = {
            "zone": self.zone,
            "dwell": rnd(d.last_seen - d.entered),
            "min_dwell": rnd(self.min_dwell),
        }
        if reason:
            attrs["reason"] = reason
        conf = 0.5 + 0.5 * min(1.0, (d.last_seen - d.entered) / (2.0 * self.min_dwell))
        return self.event(phase, t, d.track_ids, d.entered, attrs, conf)

    def close(self, t: float) -> list[Event]:
        events = [self._record(d, "end", t) for d in self._dwell.values() if d.active]
        self._dwell = {}
        return events
