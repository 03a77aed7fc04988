"""Intrusion, zone enter and zone exit: per class, with optional active hours.

An object is in a zone when the bottom centre of its box is. A change of side only
counts once it has lasted ``min_duration`` seconds (debounce: a box wobbling on the
edge neither enters nor leaves).

intrusion: an episode per zone; it starts when the first object of the classes has
been inside for ``min_duration`` while the rule is armed, updates when another one
arrives, and ends ``end_after`` seconds after the last one left (or the active hours
ended).

zone_enter / zone_exit: an instant event per track that goes from confirmed outside
to confirmed inside (enter) or back (exit) while armed. A track first seen inside has
not been seen entering, and a track lost inside has not been seen leaving: neither
emits an event.
"""

from __future__ import annotations

from vigil.analytics.base import FrameState, RuleBase
from vigil.analytics.hours import ActiveSchedule
from vigil.analytics.rules._sustain import Sustained
from vigil.config.analytics import IntrusionRule as IntrusionConfig
from vigil.config.analytics import ZoneEnterRule as ZoneEnterConfig
from vigil.config.analytics import ZoneExitRule as ZoneExitConfig
from vigil.detect.classes import class_name
from vigil.types import Event

FORGET_AFTER = 10.0
"""Seconds after which an unseen track's zone state is dropped."""


class IntrusionRule(RuleBase):
    kind = "intrusion"

    def __init__(self, camera: str, cfg: IntrusionConfig, classes: frozenset[int], schedule: ActiveSchedule) -> None:
        super().__init__(camera, cfg.rule_name)
        self.zone, self.classes, self.min_duration = cfg.zone, classes, cfg.min_duration
        self.schedule, self.update_interval = schedule, cfg.update_interval
        self._sustain = Sustained(0.0, cfg.end_after)
        self._inside_since: dict[int, float] = {}
        self._members: list[int] = []
        self._class_names: list[str] = []
        self._count = 0
        self._last_update = 0.0

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        inside = s.select(self.classes, self.zone).nonzero()[0]
        since = {}
        for i in inside:
            tid = int(s.ids[i])
            since[tid] = self._inside_since.get(tid, t)
        self._inside_since = since
        armed = self.schedule.armed(s.wall_time)
        intruders = [
            i for i in inside if armed and t - since[int(s.ids[i])] >= self.min_duration - 1e-9
        ]  # fmt: skip
        joined = False
        for i in intruders:
            tid = int(s.ids[i])
            if tid not in self._members:
                self._members.append(tid)
                name = class_name(int(s.class_ids[i]))
                if name not in self._class_names:
                    self._class_names.append(name)
                joined = True
        self._count = len(intruders)
        phase = self._sustain.step(bool(intruders), t)
        if phase == "start":
            self._last_update = t
            return [self._record("start", t)]
        if phase == "end":
            ev = self._record("end", t)
            self._members, self._class_names = [], []
            return [ev]
        if not self._sustain.active:
            self._members, self._class_names = [], []
            return []
        if joined or t - self._last_update >= self.update_interval - 1e-9:
            self._last_update = t
            return [self._record("update", t, "joined" if joined else "periodic")]
        return []

    def _record(self, phase: str, t: float, reason: str | None = None) -> Event:
        attrs: dict[str, float | int | str | list[float]] = {
            "zone": self.zone, "count": self._count, "classes": ",".join(self._class_names),
        }  # fmt: skip
        if reason:
            attrs["reason"] = reason
        return self.event(phase, t, self._members, self._sustain.started, attrs, 1.0)

    def close(self, t: float) -> list[Event]:
        if not self._sustain.active:
            return []
        self._sustain.active = False
        return [self._record("end", t)]


class ZoneTransitionRule(RuleBase):
    """zone_enter (``entering=True``) or zone_exit: instant events on confirmed changes of side."""

    def __init__(
        self,
        camera: str,
        cfg: ZoneEnterConfig | ZoneExitConfig,
        classes: frozenset[int],
        schedule: ActiveSchedule,
    ) -> None:
        super().__init__(camera, cfg.rule_name)
        self.kind = cfg.type
        self.entering = cfg.type == "zone_enter"
        self.zone, self.classes, self.min_duration, self.schedule = cfg.zone, classes, cfg.min_duration, schedule
        self._state: dict[int, list[float]] = {}  # id -> [confirmed inside (1/0/-1 unknown), pending, since, last]
        self._next_prune = 0.0

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        events: list[Event] = []
        sel = s.select(self.classes).nonzero()[0]
        col = s.zone_cols[self.zone]
        for i in sel:
            tid = int(s.ids[i])
            cur = 1.0 if s.in_zone[i, col] else 0.0
            st = self._state.get(tid)
            if st is None:
                self._state[tid] = [-1.0, cur, t, t]
                st = self._state[tid]
            st[3] = t
            if st[0] == cur:
                st[1], st[2] = cur, t
                continue
            if st[1] != cur:
                st[1], st[2] = cur, t
            if t - st[2] < self.min_duration - 1e-9:
                continue
            was = st[0]
            st[0] = cur
            if was < 0 or (cur == 1.0) != self.entering or not self.schedule.armed(s.wall_time):
                continue
            attrs: dict[str, float | int | str | list[float]] = {
                "zone": self.zone,
                "class": class_name(int(s.class_ids[i])),
                "direction": "enter" if self.entering else "exit",
                "position": [round(float(s.foot_norm[i, 0]), 4), round(float(s.foot_norm[i, 1]), 4)],
            }
            events.append(self.event("instant", t, (tid,), st[2], attrs, 1.0))
        if t >= self._next_prune:
            self._next_prune = t + 1.0
            self._state = {k: v for k, v in self._state.items() if t - v[3] <= FORGET_AFTER}
        return events
