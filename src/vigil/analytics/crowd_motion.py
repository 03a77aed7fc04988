"""Crowd motion from dense optical flow: how fast and how outward the moving people-area moves, without tracks.

Tracks fail exactly when a crowd starts to run: motion blur makes a small detector
lose most people, and the few kept tracks are short. Dense flow does not depend on
keeping anyone: it measures how every pixel moves.

    flow = DenseFlow()                              # once per camera; shareable with other consumers
    meter = CrowdMotionMeter(window=0.6)
    field = flow.update(image, t)                   # every frame; a FlowField at most every 0.1 s
    if field is not None:
        meter.add(field, rows, people.mask(h))      # rows: the engine's RowHeightModel; people: PeopleRows
    motion = meter.current(t)                       # CrowdMotion or None

What is measured, per analysed frame:

1. :class:`DenseFlow`: Farneback optical flow on a grey copy ``width`` (160) pixels
   wide, at most one frame per ``interval`` (0.1 s) of stream time, between that frame
   and the latest earlier one at least ``step`` (0.06 s) before it; divided by their
   time difference it is in working pixels per second, so the frame rate does not
   matter. A gap longer than ``max_gap`` or time going back starts afresh.
2. Camera motion: the most common flow of the frame (the background's, which moves as
   one) is subtracted, so a pan or a shake does not read as people moving; along the
   edges, where new content comes in, nothing counts. When the camera moved further
   than the flow can follow, or most of the frame still moves after that (a zoom, a
   cut, a lighting change), the frame tells nothing about people and is left out.
3. Body heights: each pixel's speed is divided by the pixel height of a person at
   that row, from the engine's perspective model (``vigil.analytics.scale``): a pixel
   at row y belongs to a body whose centre is there, so its feet are at the row
   where ``y_feet - h(y_feet) / 2 = y``. Speeds are then in body heights per second
   (bh/s; walking is 0.5-0.9, running 1.5-3 seen side on, less when people run along
   the line of sight), and each pixel covers ``1 / h^2`` square body heights.
4. Moving area: pixels faster than ``MOVING_SPEED`` (0.3 bh/s) and displaced by more
   than ``MIN_SHIFT`` working pixels (flow noise), in the rows where people have been
   seen (:class:`PeopleRows`) and not on vehicles, weighted by their area in bh^2.
   For it: an area-weighted histogram of speeds (what share moves faster than any
   threshold, and how fast), and of the *radial* speed: the velocity minus the mean
   velocity of the moving area (its drift: a group walking together does not count),
   projected on the unit vector from the area's centroid. Its mean is the divergence
   of the motion field times half its radius: positive when people move apart.

:class:`CrowdMotion` holds the last ``window`` seconds of analysed frames and gives for
each value the level two thirds of them reach, so that one odd frame in three (a
jittery timestamp, a dropped stretch of video) does not read as a burst of speed;
rules (``crowd_running``, ``dispersal``) ask it for shares and means.

Cost at 768x576 on one loaded core: 0.4 ms to scale every frame down, and per analysed
frame (one in three at 25 fps, every one at 10 fps) 2.3 ms of flow and 0.4 ms of
statistics: about 1.5 ms per frame at 25 fps.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from vigil.analytics.flow import (
    FLOW_INTERVAL,
    FLOW_STEP,
    FLOW_WIDTH,
    MAX_GAP,
    DenseFlow,
    FlowField,
    to_working,
    working_size,
)
from vigil.analytics.scale import RowHeightModel

__all__ = [
    "FLOW_INTERVAL",
    "FLOW_STEP",
    "FLOW_WIDTH",
    "MAX_GAP",
    "SHARED_MAX_DT",
    "SHARED_MAX_INTERVAL",
    "CrowdMotion",
    "CrowdMotionMeter",
    "DenseFlow",
    "FlowField",
    "MotionAware",
    "PeopleRows",
    "body_rows",
    "camera_motion",
    "to_grey",
]


def to_grey(image: U8, width: int) -> U8:
    """BGR or grey image -> grey copy ``width`` pixels wide (aspect kept), area-averaged."""
    h, w = image.shape[:2]
    return to_working(image, working_size((w, h), width))

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

SHARED_MAX_DT = 0.1
"""Seconds a flow from another consumer (the scene model) may span for the crowd to read it: over longer steps
walkers' flow reads faster than the thresholds below were set for (``vtest.avi`` at 10 fps with the scene
model's two-frame step gives false crowd_running)."""
SHARED_MAX_INTERVAL = 0.12
"""Seconds between flows of a shared flow at most: a rule's 0.6 s window needs about five of them."""
MOVING_SPEED = 0.3
"""Body heights per second above which a pixel counts as moving (a person shifting their weight is slower)."""
MIN_SHIFT = 0.3
"""Working pixels a pixel must be displaced to count as moving (below this, Farneback's noise)."""
MAX_MOVING_FRACTION = 0.5
"""A frame where more than this share of the picture moves (after removing the median motion) is skipped."""
PERSON_AREA = 0.35
"""Square body heights the flow of one moving person covers (measured on UMN, PETS and UCSD Ped2 walkers: the
figure plus the flow's blur around it)."""
CAMERA_BIN = 0.5
"""Pixels (of displacement between the two frames) per bin of the histogram that finds the camera's motion."""
_CAMERA_RANGE = 32
"""Bins each side of zero: displacements up to 16 working pixels (a tenth of the picture) between two frames."""
MAX_CAMERA_SHIFT = 4.0
"""Working pixels the camera may move between the two frames of a flow; beyond that (a fast pan at a low frame
rate) Farneback loses the background too, and the frame is skipped."""
GRID = 2
"""The statistics read every GRID-th row and column of the flow (it is smooth over Farneback's window)."""
EDGE = 4
"""Working pixels along each edge of the picture left out (half Farneback's window: the flow there is guessed),
plus as many as the camera moved between the two frames."""
CENTRE_EXCLUSION = 0.5
"""Pixels closer than this many body heights to the centroid have no defined outward direction."""
SPEED_STEP = 0.05
"""Bin width (bh/s) of the speed histograms."""
MAX_SPEED = 8.0
"""Speeds (bh/s) beyond this fall in the last bin."""
_TIME_EPS = 1e-3
_NBINS = round(MAX_SPEED / SPEED_STEP)


def body_rows(rows: RowHeightModel, height: int) -> F64 | None:
    """(height,) pixel height of a person whose body centre is at each row of an image ``height`` rows tall.

    None before the model has data. With h(y) = a y + b (normalised), the feet of a body
    centred at row y are at y_f = (y + b / 2) / (1 - a / 2).
    """
    coef = rows.coefficients
    if coef is None:
        return None
    a, b = coef
    y = (np.arange(height) + 0.5) / height
    feet = (y + 0.5 * b) / max(1.0 - 0.5 * a, 0.1)
    pred = rows.predict(feet)
    if pred is None:
        return None
    return np.maximum(pred * height, 1.0)


@dataclass(frozen=True, slots=True)
class _Sample:
    t: float
    area: float  # moving area, bh^2
    speed_sum: float  # sum of area * speed
    radial_sum: float  # sum of area * radial speed
    speed_hist: F64  # (_NBINS,) moving area per speed bin
    radial_hist: F64  # (2 * _NBINS,) moving area per radial-speed bin, from -MAX_SPEED


class PeopleRows:
    """The band of image rows where people have been seen, from above the highest head to below the lowest feet.

    Speeds are measured only there. The perspective model is fitted to the people seen
    (``vigil.analytics.scale``); above them (sky, trees, far walls) it extrapolates tiny
    heights, and flow noise divided by those would read as sprinting. Whole rows are
    kept: people running out of the place where a crowd stood leave it within a
    second, but not its rows. Each ``add`` counts the rows under the boxes, widened by a
    quarter of their height; counts fade with ``half_life`` seconds; rows counted at
    least ``min_count`` times, and every row between two such rows, are in the band.
    """

    def __init__(self, rows: int = 60, half_life: float = 120.0, min_count: float = 1.0) -> None:
        self.rows = rows
        self.half_life = half_life
        self.min_count = min_count
        self._count = np.zeros(rows)
        self._last_t: float | None = None

    def add(self, boxes_norm: F64, t: float) -> None:
        """(N, 4) person boxes ``xyxy`` in normalised image coordinates, seen at stream time ``t``."""
        if self._last_t is not None and t > self._last_t:
            self._count *= 0.5 ** ((t - self._last_t) / self.half_life)
        self._last_t = t if self._last_t is None else max(t, self._last_t)
        if len(boxes_norm) == 0:
            return
        b = np.asarray(boxes_norm, np.float64)
        grow = 0.25 * (b[:, 3] - b[:, 1])
        top = np.clip(np.floor((b[:, 1] - grow) * self.rows), 0, self.rows).astype(np.int64)
        bottom = np.clip(np.ceil((b[:, 3] + grow) * self.rows), 0, self.rows).astype(np.int64)
        edges = np.zeros(self.rows + 1)
        np.add.at(edges, top, 1.0)
        np.add.at(edges, bottom, -1.0)
        self._count += np.cumsum(edges[:-1])

    def mask(self, height: int) -> npt.NDArray[np.bool_]:
        """(height,) bool: the rows of an image ``height`` rows tall that lie in the band."""
        seen = np.flatnonzero(self._count >= self.min_count)
        band = np.zeros(height, bool)
        if len(seen):
            band[seen[0] * height // self.rows : -(-(seen[-1] + 1) * height // self.rows)] = True
        return band


class CrowdMotion:
    """The crowd's motion over the last ``window`` seconds of analysed frames.

    Each value is measured per analysed frame, and the level that two thirds of the
    frames in the window reach is given: one odd frame in three (a jittery timestamp,
    a dropped stretch of video, a flash) does not read as a burst of speed. Speeds in
    bh/s, areas in bh^2 (square body heights; the flow of a walking person covers about
    a third of one). ``t``: stream time of the latest analysed frame; ``frames``: how
    many analysed frames the window holds.
    """

    __slots__ = ("_areas", "_radial", "_speed", "activity", "area", "frames", "mean_speed", "radial_speed", "t")

    def __init__(self, samples: list[_Sample]) -> None:
        self.t = samples[-1].t
        self.frames = len(samples)
        self._areas = np.array([s.area for s in samples])
        self._speed = np.stack([s.speed_hist for s in samples])
        self._radial = np.stack([s.radial_hist for s in samples])
        sums = np.array([[s.speed_sum, s.radial_sum] for s in samples])
        per_area = sums / np.maximum(self._areas, 1e-12)[:, None]
        self.area = _held(self._areas)
        """Moving area (bh^2)."""
        self.activity = _held(sums[:, 0])
        """Moving area times its mean speed (bh^3/s): how much the crowd moves, whether many slowly or few fast."""
        self.mean_speed = _held(per_area[:, 0])
        """Area-weighted mean speed of the moving area (bh/s); 0 when nothing moves."""
        self.radial_speed = _held(per_area[:, 1])
        """Area-weighted mean outward speed from the moving area's centroid, drift removed (bh/s)."""

    def area_faster(self, speed: float) -> float:
        """Moving area (bh^2) faster than ``speed`` bh/s."""
        return _held(self._speed[:, _bin(speed) :].sum(axis=1))

    def share_faster(self, speed: float) -> float:
        """Share of the moving area faster than ``speed`` bh/s."""
        return _held(self._speed[:, _bin(speed) :].sum(axis=1) / np.maximum(self._areas, 1e-12))

    def mean_speed_above(self, speed: float) -> float:
        """Mean speed (bh/s) of the moving area faster than ``speed``, over the window; 0 if none."""
        i = _bin(speed)
        part = self._speed[:, i:].sum(axis=0)
        total = float(part.sum())
        if total <= 0:
            return 0.0
        return float(part @ ((np.arange(i, _NBINS) + 0.5) * SPEED_STEP)) / total

    def share_outward(self, speed: float) -> float:
        """Share of the moving area moving away from its centroid faster than ``speed`` bh/s."""
        return _held(self._radial[:, _NBINS + _bin(speed) :].sum(axis=1) / np.maximum(self._areas, 1e-12))


def _held(values: F64) -> float:
    """The level that two thirds of the values reach (of 6: the 3rd smallest; of 3: the median)."""
    n = len(values)
    k = n - math.ceil(2 * n / 3)
    return float(np.partition(values, k)[k])


def _bin(speed: float) -> int:
    return min(_NBINS, max(0, math.ceil(speed / SPEED_STEP - 1e-9)))


class CrowdMotionMeter:
    """Flow fields -> :class:`CrowdMotion`: ``add(field, rows, people_rows, exclude)`` per flow, ``current(t)``."""

    def __init__(self, window: float = 0.6, max_age: float = MAX_GAP) -> None:
        if window <= 0:
            raise ValueError(f"window must be positive seconds, got {window}")
        self.window = window
        self.max_age = max_age
        self._samples: deque[_Sample] = deque()
        self._rows_key: tuple[float, float, int] | None = None
        self._heights = np.ones(1)
        self._current: CrowdMotion | None = None
        self.skipped = 0
        """Flows left out: the camera moved too far, or most of the picture moved (a zoom, a cut, a flash)."""

    def reset(self) -> None:
        """Forget the measured frames."""
        self._samples.clear()
        self._current = None

    def add(
        self,
        field: FlowField,
        rows: RowHeightModel,
        people_rows: npt.NDArray[np.bool_] | None = None,
        exclude: F64 | None = None,
    ) -> None:
        """Measure one flow field with the perspective model (nothing before it has data).

        people_rows: (H,) bool, the rows of the working image where people can be (None: all).
        exclude: (N, 4) boxes ``xyxy``, normalised, whose motion is not people's (vehicles).
        """
        h = field.size[1]
        coef = rows.coefficients
        if coef is None:
            return
        key = (coef[0], coef[1], h)
        if key != self._rows_key:
            heights = body_rows(rows, h)
            if heights is None:
                return
            self._heights, self._rows_key = heights, key
        sample = self._measure(field, self._heights, people_rows, exclude)
        if sample is None:
            self.skipped += 1
            return
        self._samples.append(sample)
        while self._samples and self._samples[0].t <= field.t - self.window + _TIME_EPS:
            self._samples.popleft()
        self._current = CrowdMotion(list(self._samples))

    def current(self, t: float) -> CrowdMotion | None:
        """The motion of the last ``window`` seconds, or None when there is no recent analysed frame."""
        cur = self._current
        if cur is None or t - cur.t > self.max_age or t < cur.t - _TIME_EPS:
            return None
        return cur

    def _measure(
        self, field: FlowField, heights: F64, people_rows: npt.NDArray[np.bool_] | None, exclude: F64 | None
    ) -> _Sample | None:
        # statistics on every other row and column: the flow is smooth over its 9-pixel window anyway
        g = GRID
        flow = field.flow[::g, ::g]
        h, w = flow.shape[:2]
        drift_px = camera_motion(flow[::2, ::2].reshape(-1, 2), field.dt)
        if float(np.hypot(*drift_px)) * field.dt > MAX_CAMERA_SHIFT:
            return None  # the camera moved further than the flow follows: its errors would read as motion
        fx = flow[..., 0] - drift_px[0]
        fy = flow[..., 1] - drift_px[1]
        inv_h = (1.0 / heights[::g])[:, None]
        speed = np.hypot(fx, fy) * inv_h  # bh/s
        moving = (speed > MOVING_SPEED) & (np.abs(fx) + np.abs(fy) > MIN_SHIFT / field.dt)
        if np.count_nonzero(moving) > MAX_MOVING_FRACTION * h * w:
            return None
        if people_rows is not None:
            moving &= people_rows[::g, None]
        if exclude is not None and len(exclude):
            _blank(moving, exclude)
        # along the picture's edges new content comes in as far as the camera moved: no flow there
        mx = math.ceil((EDGE + abs(float(drift_px[0])) * field.dt) / g)
        my = math.ceil((EDGE + abs(float(drift_px[1])) * field.dt) / g)
        moving[:my] = moving[h - my :] = False
        moving[:, :mx] = moving[:, w - mx :] = False
        if not moving.any():
            return _Sample(field.t, 0.0, 0.0, 0.0, np.zeros(_NBINS), np.zeros(2 * _NBINS))
        rr, cc = np.nonzero(moving)
        inv = inv_h[rr, 0]
        area = (g * g) * inv * inv  # bh^2 that each sampled pixel stands for
        sp = speed[rr, cc]
        vx, vy = fx[rr, cc] * inv, fy[rr, cc] * inv
        total = float(area.sum())
        cx, cy = float(area @ cc) / total, float(area @ rr) / total
        dx, dy = float(area @ vx) / total, float(area @ vy) / total  # the crowd's drift, bh/s
        ox, oy = cc - cx, rr - cy
        dist = np.hypot(ox, oy)
        far = dist * g >= CENTRE_EXCLUSION * heights[rr * g]
        radial = np.where(far, ((vx - dx) * ox + (vy - dy) * oy) / np.maximum(dist, 1e-9), 0.0)
        bins = np.minimum((sp / SPEED_STEP).astype(np.int64), _NBINS - 1)
        rbins = np.clip(np.floor(radial / SPEED_STEP).astype(np.int64) + _NBINS, 0, 2 * _NBINS - 1)
        return _Sample(
            field.t, total, float(area @ sp), float(area @ radial),
            np.bincount(bins, area, _NBINS).astype(np.float64), np.bincount(rbins, area, 2 * _NBINS).astype(np.float64),
        )  # fmt: skip


def camera_motion(flow: F32, dt: float) -> F64:
    """The camera's motion (2,) in pixels per second: the most common of the (N, 2) flow vectors.

    The background moves as one, by the camera's motion (zero for a fixed camera); people
    move each their own way. So the peak of a histogram of displacements (bins of
    ``CAMERA_BIN`` pixels) is the camera's, even when a crowd covers more of the picture
    than the background does; the median of the vectors within a bin of it refines it.
    """
    disp = flow.astype(np.float64) * dt
    n = 2 * _CAMERA_RANGE + 1
    cells = np.clip(np.rint(disp / CAMERA_BIN).astype(np.int64) + _CAMERA_RANGE, 0, n - 1)
    peak = int(np.argmax(np.bincount(cells[:, 1] * n + cells[:, 0], minlength=n * n)))
    near = np.all(np.abs(cells - (peak % n, peak // n)) <= 1, axis=1)
    return np.median(flow[near], axis=0).astype(np.float64)


def _blank(mask: npt.NDArray[np.bool_], boxes_norm: F64) -> None:
    """Clear ``mask`` (H, W) under normalised ``xyxy`` boxes, widened by a tenth of their size (the flow's blur)."""
    h, w = mask.shape
    b = np.asarray(boxes_norm, np.float64)
    pad = 0.1 * np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1])
    x0 = np.clip(np.floor((b[:, 0] - pad) * w), 0, w).astype(np.int64).tolist()
    x1 = np.clip(np.ceil((b[:, 2] + pad) * w), 0, w).astype(np.int64).tolist()
    y0 = np.clip(np.floor((b[:, 1] - pad) * h), 0, h).astype(np.int64).tolist()
    y1 = np.clip(np.ceil((b[:, 3] + pad) * h), 0, h).astype(np.int64).tolist()
    for a, bb, c, d in zip(y0, y1, x0, x1, strict=True):
        mask[a:bb, c:d] = False


@runtime_checkable
class MotionAware(Protocol):
    """A rule that also uses the crowd's dense motion; the engine hands it each frame before ``evaluate``."""

    use_motion: bool

    def observe_motion(self, motion: CrowdMotion | None) -> None: ...
