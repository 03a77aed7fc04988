"""AnalyticsEngine: one camera's behaviour rules over its tracks, frame by frame.

    engine = AnalyticsEngine.from_config(cfg)          # cfg: vigil.config.AnalysisConfig
    for frame, tracks in ...:
        events = engine.evaluate(tracks, frame.pts, (frame.width, frame.height), wall_time=time.time(),
                                 image=frame.image)
    events += engine.close(last_pts)
    engine.occupancy(), engine.line_counts()

Each frame the engine measures the tracks once (feet, body-height scale or ground
position, zone membership, smoothed velocity on demand) into a ``FrameState`` and
hands it to every rule. When given the frame's ``image`` (masked as the detector saw
it) and a rule reads the crowd's dense motion (crowd_running, dispersal), it also
measures that once (``vigil.analytics.crowd_motion``: optical flow at most ten times a
second, in body heights from the same perspective model) and hands it to those rules.
The stream time ``t`` drives all durations; ``wall_time`` (seconds since the epoch,
optional) only decides active hours. No I/O.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import tzinfo

import numpy as np

from vigil.analytics.base import F64, Bool, FrameState, Rule
from vigil.analytics.crowd_motion import (
    SHARED_MAX_DT,
    SHARED_MAX_INTERVAL,
    CrowdMotionMeter,
    DenseFlow,
    MotionAware,
    PeopleRows,
)
from vigil.analytics.geometry import GroundPlane, ZoneMap
from vigil.analytics.motion import TrackTable
from vigil.analytics.occupancy import OccupancyRecorder, OccupancySeries, ZoneCounts
from vigil.analytics.rules import LineCounts, LineCrossingRule, build_rule
from vigil.analytics.scale import RowHeightModel, body_heights
from vigil.config.analytics import (
    BAG_CLASSES,
    NOMINAL_BODY_HEIGHT_M,
    CalibrationConfig,
    LineConfig,
    RuleConfig,
    ZoneConfig,
    check_references,
    default_rules,
)
from vigil.config.models import AnalysisConfig
from vigil.detect.classes import CLASS_IDS, COCO_CLASSES, PERSON
from vigil.errors import ConfigError
from vigil.types import Event, Image, Tracks

log = logging.getLogger(__name__)

DEFAULT_WINDOW = 0.6
"""Velocity window (s) kept when no rule asks for one."""
ROW_FIT_INTERVAL = 0.2
"""Seconds between updates of the perspective (row height) model."""
VEHICLE_CLASSES = ("bicycle", "car", "motorcycle", "bus", "train", "truck")
"""Tracked objects whose motion is not people's: the crowd's dense motion leaves their boxes out."""
_NO_ZONES = np.zeros(0, np.int64)


class AnalyticsEngine:
    """Holds one camera's rules, built from config; ``evaluate(tracks, t, frame_size, wall_time)`` per frame."""

    def __init__(
        self,
        camera: str,
        *,
        zones: Sequence[ZoneConfig] = (),
        lines: Sequence[LineConfig] = (),
        calibration: CalibrationConfig | None = None,
        rules: Sequence[RuleConfig] | None = None,
        timezone: tzinfo | None = None,
        occupancy_capacity: int = 16384,
    ) -> None:
        """``timezone``: local time for active hours of rules that name none (default: the machine's)."""
        self.camera = camera
        rule_cfgs = tuple(default_rules() if rules is None else rules)
        problem = check_references(camera, zones, lines, rule_cfgs)
        if problem is not None:
            raise ConfigError("; ".join(e["msg"] for e in problem.errors()))
        self._zones = ZoneMap([z.points for z in zones])
        self._zone_cols = {z.name: i for i, z in enumerate(zones)}
        self._zone_names = [z.name for z in zones]
        self._ground = (
            GroundPlane(calibration.image_points, calibration.ground_points) if calibration is not None else None
        )
        self.unit = "m" if self._ground is not None else "bh"
        line_map = {ln.name: ln for ln in lines}
        enabled = [r for r in rule_cfgs if r.enabled]
        self._rules: list[Rule] = [
            build_rule(camera, r, lines=line_map, ground=self._ground, tz=timezone) for r in enabled
        ]
        windows = {float(r.window) for r in enabled if hasattr(r, "window")}
        self._table = TrackTable(sorted(windows) or [DEFAULT_WINDOW])
        self._motion_rules = [r for r in self._rules if isinstance(r, MotionAware) and r.use_motion]
        motion_windows = [
            float(getattr(c, "window", DEFAULT_WINDOW))
            for c in enabled
            if getattr(c, "motion", False) and getattr(c, "zone", None) is None
        ]
        self._flow: DenseFlow | None = DenseFlow() if self._motion_rules else None
        self._own_flow = self._flow
        self._crowd = CrowdMotionMeter(max(motion_windows, default=DEFAULT_WINDOW))
        self._people_rows = PeopleRows()
        self._vehicle_lut = np.zeros(len(COCO_CLASSES), bool)
        self._vehicle_lut[[CLASS_IDS[n] for n in VEHICLE_CLASSES]] = True
        self._rows = RowHeightModel()
        self._next_row_fit = -np.inf
        self._bag_lut = np.zeros(len(COCO_CLASSES), bool)
        self._bag_lut[[CLASS_IDS[n] for n in BAG_CLASSES]] = True
        self._occupancy = OccupancyRecorder([z.name for z in zones], occupancy_capacity)
        self._person = frozenset({PERSON})
        self._last_t: float | None = None
        self._warned_time = False
        self.frames = 0
        self.seconds = 0.0

    @classmethod
    def from_config(cls, cfg: AnalysisConfig, timezone: tzinfo | None = None) -> AnalyticsEngine:
        return cls(
            cfg.camera, zones=cfg.zones, lines=cfg.lines, calibration=cfg.calibration, rules=cfg.rules,
            timezone=timezone,
        )  # fmt: skip

    @property
    def uses_motion(self) -> bool:
        """Whether a rule reads the crowd's dense motion (then ``evaluate`` wants the frame's image)."""
        return self._flow is not None

    @property
    def flow(self) -> DenseFlow | None:
        """The dense flow the crowd's motion reads (its own or a shared one); None when no rule reads motion."""
        return self._flow

    def share_flow(self, flow: DenseFlow) -> None:
        """Read the crowd's dense motion from ``flow``, the camera's shared :class:`DenseFlow` (the scene model's),
        instead of computing a flow of its own: one optical flow per frame serves both. No-op when no rule reads
        motion. ``flow`` must be asked for each frame with the same image and time (it then computes once).

        The crowd's thresholds hold for flows over a short step (0.06-0.1 s) at least every
        ``SHARED_MAX_INTERVAL`` seconds: a flow that comes more seldom is not shared, and when a shared flow spans
        more than ``SHARED_MAX_DT`` (the scene model's two frames below 20 fps), the engine measures its own."""
        if self._flow is None:
            return
        if flow.interval > SHARED_MAX_INTERVAL + 1e-9:
            log.info("%s: the shared flow comes every %.2f s, too seldom for the crowd's motion (at most %.2f s); "
                     "it measures its own", self.camera, flow.interval, SHARED_MAX_INTERVAL)  # fmt: skip
            return
        flow.pin()  # the crowd's thresholds need a flow every interval, calm scene or not
        self._flow = flow

    @property
    def rule_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self._rules)

    def evaluate(
        self,
        tracks: Tracks,
        t: float,
        frame_size: tuple[int, int],
        wall_time: float | None = None,
        image: Image | None = None,
        counts: ZoneCounts | None = None,
    ) -> list[Event]:
        """Run every rule on one frame's tracks.

        t: stream time (s) of the frame, non-decreasing. frame_size: (width, height) in pixels.
        wall_time: wall-clock seconds since the epoch of the frame, for active hours (None: always armed).
        image: the frame (H, W, 3) BGR or (H, W) grey, with masked areas blanked as the detector saw it,
        for the crowd's dense motion; None: the rules use tracks only.
        counts: the latest people counts of the camera's counting stage (``vigil.count.live``); when given,
        person occupancy and overcrowding use them instead of counting tracks.
        """
        if self._last_t is not None and t < self._last_t:
            if not self._warned_time:
                log.warning("%s: stream time went back from %.3f to %.3f s; such frames are skipped",
                            self.camera, self._last_t, t)  # fmt: skip
                self._warned_time = True
            return []
        t0 = time.perf_counter()
        self._last_t = t
        state = self._measure(tracks, t, frame_size, wall_time)
        state.counts = counts
        if counts is not None:
            zone_counts = np.array([_rounded(counts.get(z)) for z in self._zone_names], np.int64)
            self._occupancy.add(t, zone_counts, _rounded(counts.total))
        else:
            persons = state.select(self._person)
            zone_counts = state.in_zone[persons].sum(axis=0) if state.in_zone.shape[1] else _NO_ZONES
            self._occupancy.add(t, zone_counts, int(np.count_nonzero(persons)))
        if self._flow is not None:
            motion = None
            if image is not None:
                field = self._flow.update(image, t)
                if field is not None and self._flow is not self._own_flow and field.dt > SHARED_MAX_DT + 1e-3:
                    log.info("%s: the shared flow spans %.2f s (a low frame rate); the crowd's motion measures "
                             "its own flow", self.camera, field.dt)  # fmt: skip
                    self._flow.pin(False)
                    self._flow = self._own_flow = DenseFlow()
                    field = self._flow.update(image, t)
                if field is not None:
                    w, h = frame_size
                    vehicles = tracks.xyxy[self._vehicle_lut.take(tracks.class_ids, mode="clip")]
                    scale = np.array([1.0 / w, 1.0 / h, 1.0 / w, 1.0 / h])
                    self._crowd.add(field, self._rows, self._people_rows.mask(field.size[1]), vehicles * scale)
                motion = self._crowd.current(t)
            for r in self._motion_rules:
                r.observe_motion(motion)
        events: list[Event] = []
        for rule in self._rules:
            events.extend(rule.evaluate(state))
        self.frames += 1
        self.seconds += time.perf_counter() - t0
        return events

    def close(self, t: float) -> list[Event]:
        """End every ongoing event at stream time ``t`` (end of the stream)."""
        events: list[Event] = []
        for rule in self._rules:
            events.extend(rule.close(t))
        return events

    def occupancy(self) -> OccupancySeries:
        """People per zone (and in the whole frame) over time, in bounded memory."""
        return self._occupancy.series()

    def line_counts(self) -> dict[str, LineCounts]:
        """Line-crossing counts per line_crossing rule name: in/out per class."""
        return {r.name: r.counts() for r in self._rules if isinstance(r, LineCrossingRule)}

    def _measure(self, tracks: Tracks, t: float, frame_size: tuple[int, int], wall_time: float | None) -> FrameState:
        w, h = int(frame_size[0]), int(frame_size[1])
        if w <= 0 or h <= 0:
            raise ValueError(f"frame_size must be positive (width, height), got {frame_size}")
        box = tracks.xyxy.astype(np.float64)
        x0, y0, x1, y1 = box.T
        foot = np.empty((len(box), 2))
        foot[:, 0] = (x0 + x1) * 0.5
        foot[:, 1] = y1
        box_h = np.maximum(y1 - y0, 1.0)
        cls = tracks.class_ids
        is_person = cls == PERSON
        cut = (y1 >= h - 2.0) | (y0 <= 1.0)
        if t >= self._next_row_fit:  # the row model changes slowly: a few updates a second suffice
            self._next_row_fit = t + ROW_FIT_INTERVAL
            fit = is_person & ~cut & (tracks.scores > 0)
            self._rows.update(y1[fit] / h, box_h[fit] / h, t)
            if self._flow is not None:
                self._people_rows.add(box[is_person] * np.array([1.0 / w, 1.0 / h, 1.0 / w, 1.0 / h]), t)
        if self._ground is not None:
            pos = self._ground.to_ground(foot, (w, h))
            self._table.update(tracks.track_ids, t, pos[:, 0], pos[:, 1], box_h, NOMINAL_BODY_HEIGHT_M)
            scale = np.ones(len(box))
        else:
            pos = foot
            self._table.update(tracks.track_ids, t, foot[:, 0], (y0 + y1) * 0.5, box_h, box_h)
            is_bag = self._bag_lut.take(cls, mode="clip")
            scale = body_heights(self._table.height(), box_h, y1, is_person, is_bag, cut, self._rows, h)
        foot_norm = foot * np.array([1.0 / w, 1.0 / h])
        inside = (x0 > 1.0) & (x1 < w - 2.0) & ~cut  # a box cut by the frame edge moves as it is cut
        table = self._table

        def velocity(window: float) -> tuple[F64, Bool]:
            vel, valid = table.velocity(window)
            return vel, valid & inside

        return FrameState(
            t=t, wall_time=wall_time, frame_size=(w, h), ids=tracks.track_ids, class_ids=cls,
            scores=tracks.scores, xyxy=tracks.xyxy, foot_px=foot, foot_norm=foot_norm, pos=pos, scale=scale,
            in_zone=self._zones.lookup(foot_norm, (w, h)), zone_cols=self._zone_cols, unit=self.unit,
            _velocity_fn=velocity,
        )  # fmt: skip


def _rounded(count: float | None) -> int:
    """A counting stage's estimate as whole people (0 for a zone it does not count)."""
    return 0 if count is None else max(0, round(count))
