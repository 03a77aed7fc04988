"""Dense motion on a small grey copy of the frame: speed maps in working pixels per second.

``MotionMeter.update(frame)`` returns a :class:`SpeedMap` at most every ``interval``
seconds of stream time (Farneback optical flow between the last analysed frame and
this one), or None when the frame is skipped or starts a new run. Cost per analysed
768x576 frame on one core of the 2-core CI machine: 0.35 ms to scale down, Farneback
1.8 ms at width 144 (2.3 ms at 160), DIS 0.5 ms. With ``interval`` 0.11 s a 10 fps
stream is analysed every second frame: about 1.1 ms per frame (Farneback) or 0.6 ms (DIS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vigil.config.scene import SceneModelConfig
from vigil.types import Frame

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

MAX_GAP = 1.0
"""Seconds between analysed frames beyond which flow is not measured (a gap or a cut)."""
_TIME_EPS = 1e-3

# Farneback: pyramid scale, levels, window, iterations, polynomial size and sigma. Two
# levels and one iteration on a 9-px window: the best accuracy per millisecond measured
# on UCSD Ped2 and UMN at widths 128-200. DIS (ultrafast preset, finest scale 1) costs a
# third as much; it pools about as well but ranks frames within UCSD Ped2 clips worse.
_FB = (0.5, 2, 9, 1, 5, 1.1, 0)


def _make_dis() -> cv2.DISOpticalFlow:
    """DIS, ultrafast preset refined one pyramid level further (finest scale 1)."""
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    dis.setFinestScale(1)
    return dis


def working_size(source_size: tuple[int, int], width: int) -> tuple[int, int]:
    """(width, height) of the working image for a (width, height) source; keeps the aspect ratio."""
    w, h = source_size
    if w <= 0 or h <= 0:
        raise ValueError(f"frame size must be positive, got {source_size}")
    return width, max(8, round(h * width / w))


def to_working(image: npt.NDArray[np.uint8], size: tuple[int, int], mask_rows: int = 0) -> U8:
    """BGR (or grey) source image -> grey working image of ``size`` (w, h); masked top rows set to 0."""
    w, h = size
    src_h, src_w = image.shape[:2]
    src: np.ndarray = image
    if src_w >= 2 * w and src_h >= 2 * h:
        # bilinear to twice the size, then an exact 2x area average: close to a full area
        # average for a fraction of its cost
        src = cv2.resize(src, (2 * w, 2 * h), interpolation=cv2.INTER_LINEAR)
    small = cv2.resize(src, (w, h), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    cut = masked_rows(mask_rows, src_h, h)
    if cut:
        grey[:cut] = 0
    return np.ascontiguousarray(grey)


def masked_rows(mask_rows: int, source_height: int, working_height: int) -> int:
    """Working rows that hold any masked source row (plus one row of margin)."""
    if mask_rows <= 0:
        return 0
    return min(working_height, math.ceil(mask_rows * working_height / source_height) + 1)


def valid_mask(size: tuple[int, int], cut_rows: int, flow_margin: int = 0) -> Mask:
    """Pixels of the working image that count: all but the masked band and ``flow_margin`` rows below it."""
    w, h = size
    valid = np.ones((h, w), bool)
    if cut_rows:
        valid[: min(h, cut_rows + flow_margin)] = False
    return valid


@dataclass(frozen=True, slots=True)
class SpeedMap:
    """Motion between two analysed frames.

    speed: (H, W) float32, working pixels per second. t: stream time (s) of the later
    frame. dt: seconds between the two frames.
    """

    speed: F32
    t: float
    dt: float


class MotionMeter:
    """Turns a stream of frames into speed maps, analysing at most one frame per ``interval`` seconds."""

    def __init__(self, cfg: SceneModelConfig, size: tuple[int, int] | None = None) -> None:
        """``size``: working (w, h); default: from the first frame and ``cfg.width``."""
        self.cfg = cfg
        self.size = size
        self._prev: U8 | None = None
        self._prev_t = 0.0
        self._dis = _make_dis() if cfg.flow == "dis" else None
        self.analysed = 0
        self.restarted = False
        """True when the last ``update`` began a new run (first frame, gap, time going back)."""

    def reset(self) -> None:
        """Forget the previous frame (a cut, a gap, a new clip): the next frame measures nothing."""
        self._prev = None

    def due(self, t: float) -> bool:
        """Whether a frame at stream time ``t`` would be analysed."""
        return self._prev is None or t - self._prev_t >= self.cfg.interval - _TIME_EPS or t < self._prev_t

    def update(self, frame: Frame) -> SpeedMap | None:
        """The speed map ending at this frame, or None (skipped, or the first of a run)."""
        t = frame.pts
        self.restarted = False
        if not self.due(t):
            return None
        if self.size is None:
            self.size = working_size((frame.width, frame.height), self.cfg.width)
        grey = to_working(frame.image, self.size, self.cfg.mask_rows)
        prev, prev_t = self._prev, self._prev_t
        self._prev, self._prev_t = grey, t
        dt = t - prev_t
        if prev is None or dt <= 0.0 or dt > MAX_GAP:
            self.restarted = True
            return None
        if self._dis is not None:
            flow = self._dis.calc(prev, grey, None)  # type: ignore[call-overload]
        else:
            flow = cv2.calcOpticalFlowFarneback(prev, grey, None, *_FB)  # type: ignore[call-overload]
        speed = cv2.magnitude(flow[..., 0], flow[..., 1])
        speed *= np.float32(1.0 / dt)
        self.analysed += 1
        return SpeedMap(speed, t, dt)
