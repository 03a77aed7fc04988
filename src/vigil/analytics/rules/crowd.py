"""Crowd running and dispersal: many people change how they move, together.

crowd_running: among the people in the scene (or a zone) whose speed is measured,
a person *speeds up* when they move faster than ``min_speed`` and at least
``accel_ratio`` times their own normal speed (an exponential average, over
``baseline_time`` seconds, of their speed while not fast; a person seen for less
than half that counts on speed alone). The event runs while at least ``min_people``
people and ``min_share`` of those present speed up, sustained for ``min_duration``.

dispersal: people move outward from their common centre. With positions p_i,
velocities v_i and r_i the unit vector from the centre c to p_i, the radial speed
is (v_i - d) . r_i divided by the body height at i (or in m/s). The centre c and the
drift d are the median position and the median velocity, so a group walking
together does not count, and neither does one runner leaving a standing group. The
event runs while the mean radial speed is above ``min_radial_speed`` and at least
``min_share`` of the people move outward (radial speed at least half of it), for
``min_duration`` seconds. The mean radial speed is the divergence of the crowd's
motion field times half its radius.

Both rules also read the crowd's dense motion (``vigil.analytics.crowd_motion``) when
the engine is given frames and the rule has no zone (``motion``): when people start
to run, a small detector loses most of them to motion blur, but the flow still sees
them. Either source of evidence holds the condition:

- crowd_running: at least ``motion_share`` of the moving area is faster than
  ``motion_speed`` while the crowd's activity (moving area times its mean speed) is at
  least ``motion_surge`` times its normal level: an exponential average over
  ``baseline_time`` seconds, updated while the condition is false and never below
  the activity of ``min_people`` runners (so that a few people entering an empty
  scene do not count as a surge). It needs ``baseline_time / 2`` seconds of motion
  before it counts.
- dispersal: the moving area's mean radial speed (drift removed) is above
  ``min_radial_speed``, at least ``min_share`` of it moves outward at half that, and it
  covers at least ``min_people`` people.

Events say which evidence holds at their record (``source``: "tracks", "motion" or
"tracks+motion").
"""

from __future__ import annotations

import math

import numpy as np

from vigil.analytics.base import FrameState, RuleBase, margin_confidence, rnd
from vigil.analytics.crowd_motion import PERSON_AREA, CrowdMotion
from vigil.analytics.rules._sustain import Sustained
from vigil.config.analytics import CrowdRunningRule as CrowdRunningConfig
from vigil.config.analytics import DispersalRule as DispersalConfig
from vigil.types import Event

GAP_TOLERANCE = 0.2
"""Seconds the crowd condition may lapse (a missed frame or two) without breaking its run."""
MIN_SAMPLES = 3
"""Frames the condition must hold in before the event starts (matters only at low frame rates)."""
GROWTH_UPDATE_GAP = 1.0
"""At most one 'the crowd grew' update per this many seconds."""
CENTRE_EXCLUSION = 0.25
"""People this close (rule units) to the centre have no defined outward direction."""
OUTWARD_FRACTION = 0.5
"""A person moves outward when their radial speed is at least this fraction of ``min_radial_speed``."""
MOTION_SPEED = 0.8
"""Default flow speed (bh/s) of running: flow averages small figures with their background, so a runner reads
about 0.8-1.5 bh/s and a walker 0.3-0.7 (UMN, PETS, UCSD Ped2, Mall)."""
RELEASE = 0.8
"""Flow evidence, once its condition holds, goes on down to this fraction of its thresholds."""
RUNNER_ACTIVITY = PERSON_AREA * 1.0
"""Activity (bh^3/s) of one running person in the flow: their flow's area at about 1 bh/s."""


class _CrowdEpisodeRule(RuleBase):
    """Shared start/update/end bookkeeping for a scene-level condition with a member list."""

    def __init__(self, camera: str, name: str, min_duration: float, end_after: float, update_interval: float) -> None:
        super().__init__(camera, name)
        self._sustain = Sustained(min_duration, end_after, GAP_TOLERANCE, MIN_SAMPLES)
        self.update_interval = update_interval
        self._members: list[int] = []
        self._member_set: set[int] = set()
        self._peak_count = 0
        self._last_update = 0.0
        self._attrs: dict[str, float | int | str | list[float]] = {}
        self._conf = 0.5
        self._motion: CrowdMotion | None = None

    def observe_motion(self, motion: CrowdMotion | None) -> None:
        """The crowd's dense motion for the coming ``evaluate`` (None: none measured)."""
        self._motion = motion

    def _step(self, cond: bool, t: float, members: list[int], count: int, attrs: dict, conf: float) -> list[Event]:
        if cond:
            for m in members:
                if m not in self._member_set:
                    self._member_set.add(m)
                    self._members.append(m)
            self._attrs, self._conf = attrs, max(self._conf, conf) if self._sustain.active else conf
        phase = self._sustain.step(cond, t)
        if phase == "start":
            self._peak_count, self._last_update = count, t
            return [self.event("start", t, self._members, self._sustain.started, self._attrs, self._conf)]
        if phase == "end":
            ev = self.event("end", t, self._members, self._sustain.started, self._end_attrs(t), self._conf)
            self._members, self._member_set, self._peak_count = [], set(), 0
            return [ev]
        if not self._sustain.active:
            if self._sustain.since is None:
                self._members, self._member_set = [], set()
            return []
        grew = cond and count > self._peak_count and t - self._last_update >= GROWTH_UPDATE_GAP
        if grew or t - self._last_update >= self.update_interval - 1e-9:
            self._peak_count = max(self._peak_count, count)
            self._last_update = t
            attrs = dict(self._attrs, reason="grew" if grew else "periodic")
            return [self.event("update", t, self._members, self._sustain.started, attrs, self._conf)]
        return []

    def _end_attrs(self, t: float) -> dict:
        return dict(self._attrs, duration=rnd(self._sustain.last_true - self._sustain.started))

    def close(self, t: float) -> list[Event]:
        if not self._sustain.active:
            return []
        self._sustain.active = False
        return [self.event("end", t, self._members, self._sustain.started, self._end_attrs(t), self._conf)]


class CrowdRunningRule(_CrowdEpisodeRule):
    kind = "crowd_running"

    def __init__(
        self, camera: str, cfg: CrowdRunningConfig, unit_scale: float, classes: frozenset[int], unit: str
    ) -> None:
        super().__init__(camera, cfg.rule_name, cfg.min_duration, cfg.end_after, cfg.update_interval)
        self.zone, self.classes, self.window = cfg.zone, classes, cfg.window
        self.min_people, self.min_share = cfg.min_people, cfg.min_share
        self.min_speed = cfg.min_speed if cfg.min_speed is not None else 1.1 * unit_scale
        self.accel_ratio, self.baseline_time = cfg.accel_ratio, cfg.baseline_time
        self.speed_unit = f"{unit}/s"
        self._baseline: dict[int, list[float]] = {}  # id -> [normal speed, last t, first t]
        self._next_prune = 0.0
        self.unit_scale = unit_scale
        self.use_motion = cfg.motion and cfg.zone is None
        # flow speeds are in bh/s; a configured speed is in rule units
        self.motion_speed = cfg.motion_speed / unit_scale if cfg.motion_speed is not None else MOTION_SPEED
        self.motion_share, self.motion_surge = cfg.motion_share, cfg.motion_surge
        self.quiet_activity = self.min_people * RUNNER_ACTIVITY
        self._activity: float | None = None  # the crowd's normal activity, bh^3/s
        self._activity_t = 0.0
        self._activity_since = 0.0

    def evaluate(self, s: FrameState) -> list[Event]:
        t = s.t
        speed, valid = s.speed(self.window)
        m = s.select(self.classes, self.zone) & valid
        fast_ids: list[int] = []
        fast_speeds: list[float] = []
        ids, speeds = s.ids[m].tolist(), speed[m].tolist()
        for tid, v in zip(ids, speeds, strict=True):
            b = self._baseline.get(tid)
            fast = v >= self.min_speed
            if fast and b is not None and b[1] - b[2] >= 0.5 * self.baseline_time:
                fast = v >= self.accel_ratio * b[0]
            if fast:
                fast_ids.append(tid)
                fast_speeds.append(v)
            if b is None:
                self._baseline[tid] = [v, t, t] if v < self.min_speed else [0.5 * self.min_speed, t, t]
            elif v < self.min_speed:
                b[0] += -math.expm1(-(t - b[1]) / self.baseline_time) * (v - b[0])
                b[1] = t
        if t >= self._next_prune:
            self._next_prune = t + 5.0
            self._baseline = {k: b for k, b in self._baseline.items() if t - b[1] < 30.0}
        n, k = len(ids), len(fast_ids)
        share = k / n if n else 0.0
        cond = k >= self.min_people and share >= self.min_share
        mean_speed = sum(fast_speeds) / k if k else 0.0
        attrs: dict[str, float | int | str | list[float]] = {
            "count": k, "people": n, "share": rnd(share), "speed": rnd(mean_speed), "speed_unit": self.speed_unit,
        }  # fmt: skip
        if self.zone:
            attrs["zone"] = self.zone
        conf = 0.5 * margin_confidence(share, self.min_share, 1.0 / self.min_share if self.min_share < 1 else 2.0)
        conf += 0.5 * margin_confidence(mean_speed, self.min_speed) if k else 0.0
        attrs["source"] = "tracks"
        motion = self._motion_evidence(cond)
        if motion is not None and cond:
            attrs["source"], conf = "tracks+motion", max(conf, motion[1])
        elif motion is not None:
            cond, (attrs, conf) = True, motion
            attrs.update({"count": k, "people": n})
        return self._step(cond, t, fast_ids, k, attrs, conf)

    def _motion_evidence(self, tracks_hold: bool) -> tuple[dict[str, float | int | str | list[float]], float] | None:
        """(attributes, confidence) when the flow shows the crowd running, else None; keeps the activity baseline."""
        m = self._motion if self.use_motion else None
        if m is None:
            return None
        if self._activity is None:
            self._activity, self._activity_t, self._activity_since = m.activity, m.t, m.t
        surge = m.activity / max(self._activity, self.quiet_activity)
        share = m.share_faster(self.motion_speed)
        ready = m.t - self._activity_since >= 0.5 * self.baseline_time
        # hysteresis: a run of the condition (or an event) goes on down to RELEASE times the thresholds
        k = RELEASE if self._sustain.since is not None else 1.0
        holds = ready and share >= k * self.motion_share and surge >= k * self.motion_surge
        if m.t > self._activity_t:  # a new analysed frame: the normal level follows while nothing happens
            if not (holds or tracks_hold):
                self._activity += -math.expm1(-(m.t - self._activity_t) / self.baseline_time) * (
                    m.activity - self._activity
                )
            self._activity_t = m.t
        if not holds:
            return None
        speed = m.mean_speed_above(self.motion_speed) * self.unit_scale
        attrs: dict[str, float | int | str | list[float]] = {
            "share": rnd(share), "speed": rnd(speed), "speed_unit": self.speed_unit, "surge": rnd(surge, 2),
            "source": "motion",
        }  # fmt: skip
        conf = 0.5 * margin_confidence(share, self.motion_share, 2.0)
        conf += 0.5 * margin_confidence(surge, self.motion_surge, 2.0)
        return attrs, conf


class DispersalRule(_CrowdEpisodeRule):
    kind = "dispersal"

    def __init__(
        self, camera: str, cfg: DispersalConfig, unit_scale: float, classes: frozenset[int], unit: str
    ) -> None:
        super().__init__(camera, cfg.rule_name, cfg.min_duration, cfg.end_after, cfg.update_interval)
        self.zone, self.classes, self.window = cfg.zone, classes, cfg.window
        self.min_people, self.min_share = cfg.min_people, cfg.min_share
        self.min_radial = cfg.min_radial_speed if cfg.min_radial_speed is not None else 0.6 * unit_scale
        self.speed_unit = f"{unit}/s"
        self.unit_scale = unit_scale
        self.use_motion = cfg.motion and cfg.zone is None

    def evaluate(self, s: FrameState) -> list[Event]:
        tracks = self._track_evidence(s)
        motion = self._motion_evidence()
        if tracks is not None:
            members, n_out, attrs, conf = tracks
            if motion is not None:
                attrs["source"], conf = "tracks+motion", max(conf, motion[1])
            return self._step(True, s.t, members, n_out, attrs, conf)
        if motion is not None:
            return self._step(True, s.t, [], 0, *motion)
        return self._step(False, s.t, [], 0, self._attrs, self._conf)

    def _motion_evidence(self) -> tuple[dict[str, float | int | str | list[float]], float] | None:
        """(attributes, confidence) when the flow shows the crowd moving apart, else None."""
        m = self._motion if self.use_motion else None
        if m is None or m.area < self.min_people * PERSON_AREA:
            return None
        radial = m.radial_speed * self.unit_scale
        if radial < self.min_radial:
            return None
        share = m.share_outward(OUTWARD_FRACTION * self.min_radial / self.unit_scale)
        if share < self.min_share:
            return None
        attrs: dict[str, float | int | str | list[float]] = {
            "radial_speed": rnd(radial), "speed_unit": self.speed_unit, "share": rnd(share), "source": "motion",
        }  # fmt: skip
        return attrs, margin_confidence(radial, self.min_radial, 2.0)

    def _track_evidence(
        self, s: FrameState
    ) -> tuple[list[int], int, dict[str, float | int | str | list[float]], float] | None:
        """(outward track ids, their number, attributes, confidence) when the tracks show a dispersal, else None."""
        vel, valid = s.velocity(self.window)
        m = s.select(self.classes, self.zone) & valid
        n = int(np.count_nonzero(m))
        if n < self.min_people:
            return None
        pos, v, scale = s.pos[m], vel[m], s.scale[m]
        mid = n // 2  # the (upper) median: cheap, and robust to a few outliers
        rel = pos - np.sort(pos, axis=0)[mid]
        dv = v - np.sort(v, axis=0)[mid]  # the crowd's drift, robust to a few fast people
        dist = np.hypot(rel[:, 0], rel[:, 1])
        use = dist >= CENTRE_EXCLUSION * scale
        k = int(np.count_nonzero(use))
        if k < self.min_people:
            return None
        dv, rel, dist, scale = dv[use], rel[use], dist[use], scale[use]
        radial = (dv[:, 0] * rel[:, 0] + dv[:, 1] * rel[:, 1]) / (dist * scale)
        mean_radial = float(radial.sum()) / k
        outward = radial >= OUTWARD_FRACTION * self.min_radial
        n_out = int(np.count_nonzero(outward))
        share = n_out / k
        if not (mean_radial >= self.min_radial and share >= self.min_share):
            return None
        attrs: dict[str, float | int | str | list[float]] = {
            "radial_speed": rnd(mean_radial), "speed_unit": self.speed_unit, "share": rnd(share), "count": n,
            "source": "tracks",
        }  # fmt: skip
        if self.zone:
            attrs["zone"] = self.zone
        return s.ids[m][use][outward].tolist(), n_out, attrs, margin_confidence(mean_radial, self.min_radial, 2.0)
