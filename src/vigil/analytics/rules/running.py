"""Running: a person faster than a threshold, sustained, robust to jitter and id switches.

Speed is the least-squares velocity over ``window`` seconds of stream time (see
``vigil.analytics.motion``), divided by the body height at the person (or in m/s when
calibrated). A track that stays at or above ``min_speed`` for ``min_duration`` seconds
and at least three frames (dips shorter than 0.25 s are forgiven) is *running*; once
running it stays so while above 80 % of ``min_speed`` (hysteresis).

Each running person is an *episode* (one event: start, periodic updates, end). When a
tracker loses a runner and gives them a new id, the new id is attached to the episode
if it appears where the episode's runner is predicted to be (last position plus
velocity times the gap, within ``merge_radius`` plus half the distance covered):
an update names both ids, and no second event starts. After an episode ends, a new
runner at its predicted place within ``cooldown`` seconds is suppressed until then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from vigil.analytics.base import F64, FrameState, RuleBase, margin_confidence, rnd
from vigil.config.analytics import RunningRule as RunningConfig
from vigil.types import Event

DIP_TOLERANCE = 0.25
"""Seconds a running track may drop below the release speed (or go unseen) without losing its run."""
RELEASE = 0.8
"""A fast track stays fast down to this fraction of ``min_speed``."""
MIN_SAMPLES = 3
"""Frames a run must be seen fast in, besides ``min_duration`` (matters only at low frame rates)."""
MAX_EXTRAPOLATION = 3.0
"""Seconds a lost runner's position is extrapolated for matching a new id."""


@dataclass(slots=True)
class _Episode:
    started: float
    track_ids: list[int]
    pos: F64
    vel: F64
    scale: float
    speed: float
    peak: float
    last_t: float
    last_update: float
    active: bool = True
    ended: float = 0.0
    norm_pos: list[float] = field(default_factory=list)


class RunningRule(RuleBase):
    kind = "running"

    def __init__(self, camera: str, cfg: RunningConfig, unit_scale: float, classes: frozenset[int], unit: str) -> None:
        super().__init__(camera, cfg.rule_name)
        self.zone = cfg.zone
        self.classes = classes
        self.window = cfg.window
        self.min_duration = cfg.min_duration
        self.end_after = cfg.end_after
        self.cooldown = cfg.cooldown
        self.update_interval = cfg.update_interval
        self.min_speed = cfg.min_speed if cfg.min_speed is not None else 1.4 * unit_scale
        self.merge_radius = cfg.merge_radius if cfg.merge_radius is not None else 2.0 * unit_scale
        self.speed_unit = f"{unit}/s"
        self._fast: dict[int, list[float]] = {}  # track id -> [onset, last time fast enough, frames fast]
        self._episode_of: dict[int, _Episode] = {}
        self._active: list[_Episode] = []
        self._recent: list[_Episode] = []  # ended, kept for the cool-down
        self._suppressed: dict[int, float] = {}  # track id -> until

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        events: list[Event] = []
        speed, valid = s.speed(self.window)
        sel = s.select(self.classes, self.zone) & valid
        keep = (sel & (speed >= RELEASE * self.min_speed)).nonzero()[0]
        if not len(keep) and not self._fast and not self._active:
            return events
        keep_ids = s.ids[keep].tolist()
        for tid, v in zip(keep_ids, speed[keep].tolist(), strict=True):
            if v >= self.min_speed or tid in self._episode_of:  # the release speed only keeps a run going
                st = self._fast.get(tid)
                if st is not None:
                    st[1] = t
                    st[2] += 1
                else:
                    self._fast[tid] = [t, t, 1]
        if self._fast:
            self._fast = {k: v for k, v in self._fast.items() if t - v[1] <= DIP_TOLERANCE}
        running = [
            i for i, tid in zip(keep.tolist(), keep_ids, strict=True)
            if (st := self._fast.get(tid)) is not None
            and t - st[0] >= self.min_duration - 1e-9
            and st[2] >= MIN_SAMPLES
        ]  # fmt: skip
        if running:
            vel, _ = s.velocity(self.window)
            # tracks already in an episode first, so that a new id only joins an episode whose runner is missing
            running.sort(key=lambda i: int(s.ids[i]) not in self._episode_of)
            for i in running:
                ev = self._on_running(s, i, vel[i], float(speed[i]))
                if ev is not None:
                    events.append(ev)
        events.extend(self._end_stale(t))
        return events

    def _on_running(self, s: FrameState, i: int, vel: F64, speed: float) -> Event | None:
        t, tid = s.t, int(s.ids[i])
        ep = self._episode_of.get(tid)
        result: Event | None = None
        if ep is None:
            if self._suppressed.get(tid, -math.inf) > t:
                return None
            ep = self._match(s.pos[i], float(s.scale[i]), t)
            if ep is not None and not ep.active:
                self._suppressed[tid] = ep.ended + self.cooldown
                return None
            if ep is not None:
                ep.track_ids.append(tid)
                self._episode_of[tid] = ep
                self._advance(ep, s, i, vel, speed)
                ep.last_update = t
                return self._record(ep, "update", t, reason="track_joined")
            onset = self._fast[tid][0]
            ep = _Episode(onset, [tid], s.pos[i].copy(), vel.copy(), float(s.scale[i]), speed, speed, t, t)
            self._episode_of[tid] = ep
            self._active.append(ep)
            self._advance(ep, s, i, vel, speed)
            return self._record(ep, "start", t)
        if ep.last_t == t:
            return None  # a second id of the same episode this frame
        self._advance(ep, s, i, vel, speed)
        if t - ep.last_update >= self.update_interval - 1e-9:
            ep.last_update = t
            result = self._record(ep, "update", t)
        return result

    def _advance(self, ep: _Episode, s: FrameState, i: int, vel: F64, speed: float) -> None:
        ep.pos, ep.vel, ep.scale = s.pos[i].copy(), vel.copy(), float(s.scale[i])
        ep.speed, ep.peak, ep.last_t = speed, max(ep.peak, speed), s.t
        ep.norm_pos = [rnd(s.foot_norm[i, 0], 4), rnd(s.foot_norm[i, 1], 4)]

    def _match(self, pos: F64, scale: float, t: float) -> _Episode | None:
        """The ongoing (runner missing) or recently ended episode whose runner would now be near ``pos``."""
        best, best_d = None, math.inf
        for ep in self._active + self._recent:
            if ep.active and ep.last_t >= t:
                continue
            if not ep.active and t - ep.ended > self.cooldown:
                continue
            gap = min(t - ep.last_t, MAX_EXTRAPOLATION)
            pred = ep.pos + ep.vel * gap
            unit = 0.5 * (scale + ep.scale)
            d = float(np.hypot(*(pos - pred))) / unit
            allowed = self.merge_radius + 0.5 * float(np.hypot(*ep.vel)) / ep.scale * gap
            if d <= allowed and d < best_d:
                best, best_d = ep, d
        return best

    def _end_stale(self, t: float) -> list[Event]:
        events = []
        still = []
        for ep in self._active:
            if t - ep.last_t >= self.end_after - 1e-9:
                events.append(self._end(ep, t))
            else:
                still.append(ep)
        self._active = still
        self._recent = [ep for ep in self._recent if t - ep.ended <= self.cooldown]
        if self._suppressed:
            self._suppressed = {k: v for k, v in self._suppressed.items() if v > t}
        return events

    def _end(self, ep: _Episode, t: float) -> Event:
        ep.active, ep.ended = False, t
        for tid in ep.track_ids:
            self._episode_of.pop(tid, None)
        self._recent.append(ep)
        return self._record(ep, "end", t)

    def _record(self, ep: _Episode, phase: str, t: float, reason: str | None = None) -> Event:
        attrs: dict[str, float | int | str | list[float]] = {
            "speed": rnd(ep.speed),
            "peak_speed": rnd(ep.peak),
            "speed_unit": self.speed_unit,
            "threshold": rnd(self.min_speed),
            "direction_deg": round(math.degrees(math.atan2(ep.vel[1], ep.vel[0])), 1) % 360.0,
            "position": ep.norm_pos,
            "duration": rnd(ep.last_t - ep.started),
        }
        if self.zone:
            attrs["zone"] = self.zone
        if reason:
            attrs["reason"] = reason
        return self.event(phase, t, ep.track_ids, ep.started, attrs, margin_confidence(ep.peak, self.min_speed))

    def close(self, t: float) -> list[Event]:
        events = [self._end(ep, t) for ep in self._active]
        self._active = []
        return events
