"""Line crossing: directional in/out counts per class, one instant event per real crossing.

The reference point is the bottom centre of the box. Its signed distance to the
line (pixels, > 0 on the right of a -> b as seen on screen) is divided by the body
height there (or measured in metres on the ground when calibrated). A track is on a
side only once it is at least ``hysteresis`` past the line; inside that band its
side does not change, so jitter on the line never counts. A crossing is a change of
confirmed side whose path (from the last confirmed point on the old side to the
first on the new side) meets the line *on the segment*: walking around an end does
not count. Left -> right is "in", right -> left is "out".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vigil.analytics.base import FrameState, RuleBase
from vigil.analytics.geometry import GroundPlane, Segment
from vigil.config.analytics import LineConfig
from vigil.config.analytics import LineCrossingRule as LineCrossingConfig
from vigil.detect.classes import class_name
from vigil.types import Event

FORGET_AFTER = 10.0


@dataclass(frozen=True, slots=True)
class LineCounts:
    """Crossings of one line counted by one rule: class name -> count, per direction."""

    line: str
    inbound: dict[str, int] = field(default_factory=dict)
    outbound: dict[str, int] = field(default_factory=dict)

    @property
    def total_in(self) -> int:
        return sum(self.inbound.values())

    @property
    def total_out(self) -> int:
        return sum(self.outbound.values())


class LineCrossingRule(RuleBase):
    kind = "line_crossing"

    def __init__(
        self,
        camera: str,
        cfg: LineCrossingConfig,
        line: LineConfig,
        unit_scale: float,
        classes: frozenset[int] | None,
        ground: GroundPlane | None,
    ) -> None:
        super().__init__(camera, cfg.rule_name)
        self.line_name = line.name
        self._norm_points = np.asarray(line.points, np.float64)
        self.classes = classes
        self.band = cfg.hysteresis if cfg.hysteresis is not None else 0.2 * unit_scale
        self._ground = ground
        self._seg: Segment | None = None
        self._ground_seg: Segment | None = None
        self._size: tuple[int, int] | None = None
        self._tracks: dict[int, list] = {}  # id -> [side (+1/-1), last confirmed point (px), last seen t]
        self._in: dict[str, int] = {}
        self._out: dict[str, int] = {}
        self._next_prune = 0.0

    def _segments(self, size: tuple[int, int]) -> Segment:
        if self._seg is None or self._size != size:
            px = self._norm_points * np.asarray(size, np.float64)
            self._seg = Segment(px[0], px[1])
            if self._ground is not None:
                g = self._ground.to_ground(px, size)
                self._ground_seg = Segment(g[0], g[1])
            self._size = size
        return self._seg

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        idx = s.select(self.classes).nonzero()[0]
        events: list[Event] = []
        if len(idx):
            seg = self._segments(s.frame_size)
            feet = s.foot_px[idx]
            signed = seg.signed_distance(feet)
            if self._ground_seg is not None:
                dist = np.abs(self._ground_seg.signed_distance(s.pos[idx]))
            else:
                dist = np.abs(signed) / s.scale[idx]
            rows = zip(idx.tolist(), s.ids[idx].tolist(), feet.tolist(), signed.tolist(), dist.tolist(), strict=True)
            for i, tid, foot, sd, dd in rows:
                ev = self._step(s, i, tid, foot, sd, dd, seg)
                if ev is not None:
                    events.append(ev)
        if t >= self._next_prune:
            self._next_prune = t + 1.0
            self._tracks = {k: v for k, v in self._tracks.items() if t - v[2] <= FORGET_AFTER}
        return events

    def _step(
        self, s: FrameState, i: int, tid: int, foot: list[float], signed: float, dist: float, seg: Segment
    ) -> Event | None:
        t = s.t
        st = self._tracks.get(tid)
        if st is not None:
            st[2] = t
        if dist < self.band:
            return None  # inside the hysteresis band: no side
        side = 1 if signed > 0 else -1
        if st is None:
            self._tracks[tid] = [side, foot, t]
            return None
        if side == st[0]:
            st[1] = foot
            return None
        frac = seg.crossing_fraction(st[1], foot)
        st[0], st[1] = side, foot
        if not 0.0 <= frac <= 1.0:
            return None  # went around an end of the segment
        direction = "in" if side > 0 else "out"
        name = class_name(int(s.class_ids[i]))
        counts = self._in if side > 0 else self._out
        counts[name] = counts.get(name, 0) + 1
        attrs: dict[str, float | int | str | list[float]] = {
            "line": self.line_name,
            "direction": direction,
            "class": name,
            "count_in": self._in.get(name, 0),
            "count_out": self._out.get(name, 0),
            "position": [round(float(s.foot_norm[i, 0]), 4), round(float(s.foot_norm[i, 1]), 4)],
        }
        return self.event("instant", t, (tid,), t, attrs, 1.0)

    def counts(self) -> LineCounts:
        return LineCounts(self.line_name, dict(self._in), dict(self._out))
