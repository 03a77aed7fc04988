"""Unattended object: a bag that stays still with no person near it for T seconds.

Objects are followed by *place*, not only by track id, because detectors flicker on
small still objects and trackers re-number them: a candidate is an anchor position;
a detection of the classes within ``still_tolerance`` of an anchor (or with the same
track id) refreshes it. If the object moves farther than that from its anchor, it
is not still: the candidate restarts at the new place. A person whose feet are
within ``person_radius`` attends it. The event starts once the object has been both
still and unattended for ``min_duration`` (``started`` is when both first held), and
ends when a person comes near, the object moves, or it has been unseen for ``grace``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vigil.analytics.base import F64, FrameState, RuleBase, rnd
from vigil.config.analytics import UnattendedObjectRule as UnattendedConfig
from vigil.detect.classes import PERSON, class_name
from vigil.types import Event

_PERSON = frozenset({PERSON})


@dataclass(slots=True)
class _Candidate:
    anchor: F64
    scale: float
    still_since: float
    last_seen: float
    track_ids: list[int]
    cls: str
    norm_pos: list[float]
    alone_since: float | None = None
    active: bool = False
    last_update: float = 0.0


class UnattendedObjectRule(RuleBase):
    kind = "unattended_object"

    def __init__(self, camera: str, cfg: UnattendedConfig, unit_scale: float, classes: frozenset[int]) -> None:
        super().__init__(camera, cfg.rule_name)
        self.zone, self.classes, self.min_duration = cfg.zone, classes, cfg.min_duration
        self.grace, self.update_interval = cfg.grace, cfg.update_interval
        self.tolerance = cfg.still_tolerance if cfg.still_tolerance is not None else 0.3 * unit_scale
        self.person_radius = cfg.person_radius if cfg.person_radius is not None else 1.5 * unit_scale
        self._cands: list[_Candidate] = []

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        events: list[Event] = []
        objs = s.select(self.classes, self.zone).nonzero()[0]
        if not objs.size and not self._cands:
            return events
        seen: set[int] = set()
        for i in objs:
            seen.add(id(self._place(s, int(i), events)))
        persons = s.pos[s.select(_PERSON)]
        pscale = s.scale[s.select(_PERSON)]
        keep = []
        for c in self._cands:
            if id(c) not in seen:
                if t - c.last_seen > self.grace:
                    if c.active:
                        events.append(self._record(c, "end", t, "gone"))
                    continue
                keep.append(c)
                continue
            keep.append(c)
            near = False
            if len(persons):
                d = np.hypot(persons[:, 0] - c.anchor[0], persons[:, 1] - c.anchor[1]) / (0.5 * (pscale + c.scale))
                near = bool((d <= self.person_radius).any())
            if near:
                if c.active:
                    events.append(self._record(c, "end", t, "attended"))
                    c.active = False
                c.alone_since = None
                continue
            if c.alone_since is None:
                c.alone_since = t
            since = max(c.still_since, c.alone_since)
            if not c.active and t - since >= self.min_duration - 1e-9:
                c.active, c.last_update = True, t
                events.append(self._record(c, "start", t))
            elif c.active and t - c.last_update >= self.update_interval - 1e-9:
                c.last_update = t
                events.append(self._record(c, "update", t, "periodic"))
        self._cands = keep
        return events

    def _place(self, s: FrameState, i: int, events: list[Event]) -> _Candidate:
        """The candidate this detection refreshes (created if none); one that moved off its anchor restarts."""
        t, tid, pos, scale = s.t, int(s.ids[i]), s.pos[i], float(s.scale[i])
        norm = [rnd(s.foot_norm[i, 0], 4), rnd(s.foot_norm[i, 1], 4)]
        for c in self._cands:
            if tid in c.track_ids and c.last_seen != t:
                if float(np.hypot(*(pos - c.anchor))) / (0.5 * (scale + c.scale)) > self.tolerance:
                    if c.active:
                        events.append(self._record(c, "end", t, "moved"))
                        c.active = False
                    c.anchor, c.scale, c.still_since, c.norm_pos, c.alone_since = pos.copy(), scale, t, norm, None
                c.last_seen = t
                return c
        best, best_d = None, math.inf
        for c in self._cands:
            if c.last_seen == t:
                continue  # already taken by another detection this frame
            d = float(np.hypot(*(pos - c.anchor))) / (0.5 * (scale + c.scale))
            if d <= self.tolerance and d < best_d:
                best, best_d = c, d
        if best is None:
            best = _Candidate(pos.copy(), scale, t, t, [tid], class_name(int(s.class_ids[i])), norm)
            self._cands.append(best)
            return best
        best.last_seen = t
        if tid not in best.track_ids:
            best.track_ids.append(tid)
        return best

    def _record(self, c: _Candidate, phase: str, t: float, reason: str | None = None) -> Event:
        since = max(c.still_since, c.alone_since if c.alone_since is not None else c.still_since)
        attrs: dict[str, float | int | str | list[float]] = {
            "class": c.cls,
            "unattended": rnd(max(0.0, t - since)) if phase != "end" else rnd(max(0.0, c.last_seen - since)),
            "position": c.norm_pos,
        }
        if self.zone:
            attrs["zone"] = self.zone
        if reason:
            attrs["reason"] = reason
        conf = 0.5 + 0.5 * min(1.0, (t - since) / (2.0 * self.min_duration))
        return self.event(phase, t, c.track_ids, since, attrs, conf)

    def close(self, t: float) -> list[Event]:
        events = [self._record(c, "end", t) for c in self._cands if c.active]
        self._cands = []
        return events
