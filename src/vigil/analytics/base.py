"""What every rule sees each frame (``FrameState``) and the Rule interface.

A rule is a per-camera state machine: ``evaluate(state) -> list[Event]`` once per
frame, ``close(t) -> list[Event]`` at the end of the stream. The clock is the frame's
stream time ``state.t`` (and ``state.wall_time`` for time of day); rules do no I/O.

Units: "world" positions are pixels (uncalibrated) or ground metres (calibrated).
``scale[i]`` is the world length of one *rule unit* at track i: its body height in
pixels, or 1 (metres). A world length divided by ``scale`` is in rule units (bh or m).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from vigil.analytics.occupancy import ZoneCounts
from vigil.types import Event

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
Attributes = dict[str, float | int | str | list[float]]


@dataclass(slots=True)
class FrameState:
    """The tracks of one frame, measured once and shared by all rules (N tracks, Z zones).

    ids, class_ids: (N,) int64. scores: (N,) float32. xyxy: (N, 4) float32 pixels.
    foot_px: (N, 2) bottom centres in pixels; foot_norm: the same divided by (w, h).
    pos: (N, 2) world position of the feet. scale: (N,) world length of one rule unit.
    in_zone: (N, Z) bool, zone order as in ``zone_cols``. unit: "bh" or "m".
    ``velocity(window)`` / ``speed(window)``: smoothed motion, cached per window; not valid for a
    track seen for less than half the window or whose box is cut by the frame edge.
    counts: people counted by the camera's counting stage (``counting: {occupancy: true}``), used for
    person occupancy instead of the tracks; None when the camera counts tracks.
    """

    t: float
    wall_time: float | None
    frame_size: tuple[int, int]
    ids: I64
    class_ids: I64
    scores: npt.NDArray[np.float32]
    xyxy: npt.NDArray[np.float32]
    foot_px: F64
    foot_norm: F64
    pos: F64
    scale: F64
    in_zone: Bool
    zone_cols: dict[str, int]
    unit: str
    _velocity_fn: Callable[[float], tuple[F64, Bool]]
    counts: ZoneCounts | None = None
    _vel_cache: dict[float, tuple[F64, Bool]] = field(default_factory=dict)
    _mask_cache: dict[tuple[frozenset[int] | None, str | None], Bool] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def velocity(self, window: float) -> tuple[F64, Bool]:
        """(N, 2) world velocity per second over the last ``window`` seconds, and (N,) validity."""
        v = self._vel_cache.get(window)
        if v is None:
            v = self._velocity_fn(window)
            self._vel_cache[window] = v
        return v

    def speed(self, window: float) -> tuple[F64, Bool]:
        """(N,) speed in rule units per second (bh/s or m/s), and (N,) validity."""
        vel, valid = self.velocity(window)
        return np.hypot(vel[:, 0], vel[:, 1]) / self.scale, valid

    def select(self, classes: frozenset[int] | None, zone: str | None = None) -> Bool:
        """(N,) tracks of ``classes`` (None: any) inside ``zone`` (None: anywhere)."""
        key = (classes, zone)
        m = self._mask_cache.get(key)
        if m is None:
            if classes is None:
                m = np.ones(len(self.ids), bool)
            else:
                m = _class_lut(classes).take(self.class_ids, mode="clip")
            if zone is not None:
                m = m & self.in_zone[:, self.zone_cols[zone]]
            self._mask_cache[key] = m
        return m


_LUTS: dict[frozenset[int], Bool] = {}


def _class_lut(classes: frozenset[int]) -> Bool:
    """Boolean table over class ids (the last entry stands for any id beyond the table)."""
    lut = _LUTS.get(classes)
    if lut is None:
        lut = np.zeros(max([*classes, 79]) + 2, bool)
        lut[[c for c in classes if c >= 0]] = True
        _LUTS[classes] = lut
    return lut


class Rule(Protocol):
    """A behaviour rule: one per configured rule and camera."""

    name: str

    def evaluate(self, state: FrameState) -> list[Event]: ...

    def close(self, t: float) -> list[Event]: ...


class RuleBase:
    """Shared helpers: the camera and rule name stamped on every event, confidence from a margin."""

    kind: str = ""

    def __init__(self, camera: str, name: str) -> None:
        self.camera = camera
        self.name = name

    def event(
        self,
        phase: str,
        t: float,
        track_ids: tuple[int, ...] | list[int] = (),
        started: float | None = None,
        attributes: Attributes | None = None,
        confidence: float = 1.0,
        kind: str | None = None,
    ) -> Event:
        attrs: Attributes = {"rule": self.name}
        if attributes:
            attrs.update(attributes)
        return Event(
            kind=kind or self.kind,
            phase=phase,
            t=t,
            camera=self.camera,
            track_ids=tuple(int(i) for i in track_ids),
            started=started,
            attributes=attrs,
            confidence=float(min(1.0, max(0.0, confidence))),
        )

    def close(self, t: float) -> list[Event]:
        return []


def margin_confidence(value: float, threshold: float, full_at: float = 1.5) -> float:
    """0.5 at the threshold, rising linearly to 1.0 at ``full_at`` times the threshold."""
    if threshold <= 0:
        return 1.0
    return 0.5 + 0.5 * min(1.0, max(0.0, (value / threshold - 1.0) / (full_at - 1.0)))


def rnd(x: float, nd: int = 3) -> float:
    """Round for event attributes (plain float)."""
    return round(float(x), nd)
