"""Gathering: at least N people within a radius of each other for at least T seconds.

Distances are between feet, divided by the mean body height of the pair (or in
metres when calibrated). Groups are found DBSCAN-style: a person with at least
``min_people - 1`` others within ``radius`` is a core; cores within ``radius`` of each
other, with their neighbours, form one group. Groups are followed from frame to
frame by shared members (or, after id switches, by a centroid within ``radius``).

A group becomes a gathering ``min_duration`` seconds after it formed (``started``
is when it formed); an update follows whenever it reaches a new largest size, and
it ends once no group matches it for ``end_after`` seconds (it dispersed). Groups form
over seconds, so the rule looks at most ten times a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vigil.analytics.base import F64, FrameState, RuleBase, margin_confidence, rnd
from vigil.config.analytics import GatheringRule as GatheringConfig
from vigil.types import Event

EVAL_INTERVAL = 0.1
"""Seconds between evaluations: groups form over seconds, so at most ten looks a second suffice."""


@dataclass(slots=True)
class _Group:
    formed: float
    members: set[int]
    all_ids: list[int]
    centroid: F64
    unit: float
    size: int
    peak: int
    last_seen: float
    last_update: float
    active: bool = False


def find_groups(pos: F64, scale: F64, radius: float, min_people: int) -> list[list[int]]:
    """Indices of each group of >= ``min_people`` (DBSCAN with eps = radius in rule units)."""
    n = len(pos)
    if n < min_people:
        return []
    d = np.hypot(pos[:, None, 0] - pos[None, :, 0], pos[:, None, 1] - pos[None, :, 1])
    near = d <= radius * 0.5 * (scale[:, None] + scale[None, :])
    core = near.sum(axis=1) >= min_people
    if not core.any():
        return []
    label = np.full(n, -1)
    groups: list[list[int]] = []
    for c in core.nonzero()[0]:
        if label[c] >= 0:
            continue
        gid = len(groups)
        label[c] = gid
        members, stack = [int(c)], [int(c)]
        while stack:
            i = stack.pop()
            if not core[i]:
                continue
            for j in (near[i] & (label < 0)).nonzero()[0]:
                label[j] = gid
                members.append(int(j))
                stack.append(int(j))
        groups.append(members)
    return [g for g in groups if len(g) >= min_people]


class GatheringRule(RuleBase):
    kind = "gathering"

    def __init__(
        self, camera: str, cfg: GatheringConfig, unit_scale: float, classes: frozenset[int], unit: str
    ) -> None:
        super().__init__(camera, cfg.rule_name)
        self.zone, self.classes = cfg.zone, classes
        self.min_people, self.min_duration, self.end_after = cfg.min_people, cfg.min_duration, cfg.end_after
        self.radius = cfg.radius if cfg.radius is not None else 1.5 * unit_scale
        self.update_interval = cfg.update_interval
        self.unit = unit
        self._groups: list[_Group] = []
        self._next_eval = -math.inf

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        if t < self._next_eval:
            return []
        self._next_eval = t + EVAL_INTERVAL
        idx = s.select(self.classes, self.zone).nonzero()[0]
        found = (
            find_groups(s.pos[idx], s.scale[idx], self.radius, self.min_people) if len(idx) >= self.min_people else []
        )
        events: list[Event] = []
        claimed: set[int] = set()
        for g in found:
            rows = idx[g]
            ids = {int(x) for x in s.ids[rows]}
            centroid = s.pos[rows].mean(axis=0)
            unit = float(s.scale[rows].mean())
            grp = self._match(ids, centroid, unit, claimed)
            if grp is None:
                grp = _Group(t, ids, sorted(ids), centroid, unit, len(ids), len(ids), t, t)
                self._groups.append(grp)
            else:
                grp.members, grp.centroid, grp.unit, grp.size, grp.last_seen = ids, centroid, unit, len(ids), t
                grp.all_ids.extend(sorted(ids.difference(grp.all_ids)))
            claimed.add(id(grp))
            events.extend(self._progress(grp, t))
        keep = []
        for grp in self._groups:
            if id(grp) in claimed or t - grp.last_seen < self.end_after - 1e-9:
                keep.append(grp)
            elif grp.active:
                events.append(self._record(grp, "end", t))
        self._groups = keep
        return events

    def _match(self, ids: set[int], centroid: F64, unit: float, claimed: set[int]) -> _Group | None:
        best, best_key = None, (0, -math.inf)
        for grp in self._groups:
            if id(grp) in claimed:
                continue
            shared = len(ids & grp.members)
            dist = float(np.hypot(*(centroid - grp.centroid))) / (0.5 * (unit + grp.unit))
            if shared == 0 and dist > self.radius:
                continue
            key = (shared, -dist)
            if key > best_key:
                best, best_key = grp, key
        return best

    def _progress(self, grp: _Group, t: float) -> list[Event]:
        if not grp.active:
            if t - grp.formed >= self.min_duration - 1e-9:
                grp.active, grp.peak, grp.last_update = True, grp.size, t
                return [self._record(grp, "start", t)]
            grp.peak = max(grp.peak, grp.size)
            return []
        if grp.size > grp.peak:
            grp.peak, grp.last_update = grp.size, t
            return [self._record(grp, "update", t, "grew")]
        if t - grp.last_update >= self.update_interval - 1e-9:
            grp.last_update = t
            return [self._record(grp, "update", t, "periodic")]
        return []

    def _record(self, grp: _Group, phase: str, t: float, reason: str | None = None) -> Event:
        attrs: dict[str, float | int | str | list[float]] = {
            "count": grp.size if phase != "end" else 0,
            "peak_count": grp.peak,
            "dwell": rnd(grp.last_seen - grp.formed),
            "radius": rnd(self.radius),
            "radius_unit": self.unit,
        }
        if self.zone:
            attrs["zone"] = self.zone
        if reason:
            attrs["reason"] = reason
        ids = grp.all_ids if phase == "end" else sorted(grp.members)
        conf = margin_confidence(grp.peak, self.min_people, 2.0)
        return self.event(phase, t, ids, grp.formed, attrs, conf)

    def close(self, t: float) -> list[Event]:
        events = [self._record(g, "end", t) for g in self._groups if g.active]
        self._groups = []
        return events
