"""Dense optical flow, computed once per camera and frame, shared by every consumer.

The learned scene model (``vigil.analytics.scene``) and the crowd's dense motion
(``vigil.analytics.crowd_motion``) both read how every pixel moves. One
:class:`DenseFlow` per camera measures it; asking it again for the same frame returns
the same :class:`FlowField` without computing anything, so the pipeline hands one
instance to both and pays for one flow.

    flow = DenseFlow(width=144, interval=0.2, step=0.06)
    field = flow.update(frame.image, frame.pts)     # a FlowField at most every 0.2 s, else None

What it does, per frame:

- A flow is due at most every ``interval`` seconds of stream time. It is measured
  between the due frame and the latest earlier frame at least ``step`` seconds before it
  (two frames back at 25-30 fps, the previous one at 10 fps), divided by their time
  difference: working pixels per second, whatever the frame rate. A short step keeps
  a runner within the few pixels that Farneback follows between two frames.
- Only frames that a flow will use are scaled down to grey (``width`` pixels wide,
  aspect kept; 0.35 ms at 768x576; nearest-pixel sampling instead halves that but adds
  enough flow noise to tip brisk walkers in ``vtest.avi`` into a false crowd_running): the due frame, and the frame just ``step``
  before the next due time, predicted from the spacing of the frames. At 25 fps with
  ``interval`` 0.2 that is two frames in five; at 10 fps two in two (then a larger
  ``interval`` is the lever).
- With ``crop``, Farneback runs only over the part of the picture that changed between
  the two frames (the box around pixels whose grey level moved by more than
  ``CHANGE_LEVEL``, widened by ``CROP_MARGIN``); the rest gets zero flow. Where nothing
  changed there is nothing to follow (Farneback returns its noise there), and the flow
  costs in proportion to the area (on ``vtest.avi`` the box is about three quarters of the frame).
- ``mask_rows`` top rows of the source (burned-in captions) are blanked in the grey
  copy before the flow, so their content never leaks into the flow below them.
- ``relax(seconds)`` stretches the time between flows while a consumer finds the scene
  calm (the scene model, while its score stays well below its threshold); ``pin()`` keeps
  ``interval`` for good (a consumer that needs every flow: the crowd's motion).
- A gap longer than ``max_gap``, time going back or a new picture size starts afresh
  (``restarted`` says so).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]

FLOW_WIDTH = 160
"""Default width (pixels) of the grey copy the flow is computed on."""
FLOW_INTERVAL = 0.1
"""Default seconds of stream time between flows (at most ten a second)."""
FLOW_STEP = 0.06
"""Default seconds at least between the two frames of one flow: two frames at 25-30 fps, one at 10 fps or less."""
MAX_GAP = 1.0
"""Seconds between frames beyond which no flow is measured (a gap or a cut)."""
_TIME_EPS = 1e-3

MAX_STEP = 0.2
"""Seconds a flow may span to reach ``min_frames`` frames back (at low frame rates one frame is enough)."""
FARNEBACK = (0.5, 9, 1, 5, 1.1, 0)
"""Farneback after the pyramid levels: pyramid scale; window, iterations, polynomial size and sigma, flags. One
iteration on a 9-pixel window: the best accuracy per millisecond measured on UCSD Ped2 and UMN at widths 128-200
(more levels or a smaller window cost about the same: the polynomial expansion of the finest level dominates)."""

CHANGE_LEVEL = 3
"""Grey levels (0-255) a working pixel must change by between the two frames of a flow to count as changed: just
above rounding noise (8 loses slow, faint walkers far off in UCSD Ped2: clip 03 AUC 0.84 instead of 0.99)."""
CROP_MARGIN = 8
"""Working pixels added around the changed box (Farneback's window and polynomial reach across its edge)."""
MIN_CROP = 64
"""Smallest side (working pixels) of a cropped flow: room for the second pyramid level."""

Method = Literal["farneback", "dis"]
Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class FlowField:
    """Dense motion between two frames.

    flow: (H, W, 2) float32, working pixels per second (x right, y down), on a grey copy
    of the frame scaled to the flow's width (aspect kept). t: stream time (s) of the
    later frame; dt: seconds between the two frames.
    """

    flow: F32
    t: float
    dt: float

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the working image."""
        return int(self.flow.shape[1]), int(self.flow.shape[0])

    def speed(self) -> F32:
        """(H, W) float32 speed, working pixels per second."""
        return np.asarray(cv2.magnitude(self.flow[..., 0], self.flow[..., 1]), np.float32)


def working_size(source_size: tuple[int, int], width: int) -> tuple[int, int]:
    """(width, height) of the working image for a (width, height) source; keeps the aspect ratio."""
    w, h = source_size
    if w <= 0 or h <= 0:
        raise ValueError(f"frame size must be positive, got {source_size}")
    return width, max(8, round(h * width / w))


def masked_rows(mask_rows: int, source_height: int, working_height: int) -> int:
    """Working rows that hold any masked source row (plus one row of margin)."""
    if mask_rows <= 0:
        return 0
    return min(working_height, math.ceil(mask_rows * working_height / source_height) + 1)


def to_working(image: U8, size: tuple[int, int], mask_rows: int = 0) -> U8:
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
    return np.ascontiguousarray(grey, np.uint8)


def changed_box(a: U8, b: U8, level: int = CHANGE_LEVEL, margin: int = CROP_MARGIN, min_side: int = MIN_CROP) -> Box | None:
    """(y0, y1, x0, x1) around the pixels that differ by more than ``level`` between ``a`` and ``b``, widened by
    ``margin`` and to at least ``min_side`` (within the image); None when nothing changed."""
    changed = cv2.absdiff(a, b) > level
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(changed.any(axis=0))
    h, w = a.shape[:2]
    y0, y1 = _span(int(rows[0]) - margin, int(rows[-1]) + 1 + margin, min_side, h)
    x0, x1 = _span(int(cols[0]) - margin, int(cols[-1]) + 1 + margin, min_side, w)
    return y0, y1, x0, x1


def _span(lo: int, hi: int, min_side: int, size: int) -> tuple[int, int]:
    """[lo, hi) widened about its centre to ``min_side``, then kept within [0, size)."""
    short = min_side - (hi - lo)
    if short > 0:
        lo -= short // 2
        hi += short - short // 2
    if lo < 0:
        lo, hi = 0, hi - lo
    if hi > size:
        lo, hi = lo - (hi - size), size
    return max(0, lo), hi


def farneback(a: U8, b: U8, levels: int, crop: bool = False) -> F32:
    """Farneback flow (working pixels per frame pair) from ``a`` to ``b`` with :data:`FARNEBACK`'s settings;
    with ``crop`` over the changed box only (zero elsewhere)."""
    pyr, win, iters, poly_n, poly_sigma, flags = FARNEBACK
    if crop:
        box = changed_box(a, b, CHANGE_LEVEL, CROP_MARGIN, MIN_CROP)
        h, w = a.shape[:2]
        if box is None:
            return np.zeros((h, w, 2), np.float32)
        y0, y1, x0, x1 = box
        if (y1 - y0) * (x1 - x0) < h * w:
            out = np.zeros((h, w, 2), np.float32)
            out[y0:y1, x0:x1] = cv2.calcOpticalFlowFarneback(  # type: ignore[call-overload]
                a[y0:y1, x0:x1], b[y0:y1, x0:x1], None, pyr, levels, win, iters, poly_n, poly_sigma, flags
            )
            return out
    return np.asarray(
        cv2.calcOpticalFlowFarneback(a, b, None, pyr, levels, win, iters, poly_n, poly_sigma, flags),  # type: ignore[call-overload]
        np.float32,
    )


def _make_dis() -> cv2.DISOpticalFlow:
    """DIS, ultrafast preset refined one pyramid level further (finest scale 1)."""
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    dis.setFinestScale(1)
    return dis


class DenseFlow:
    """``update(image, t) -> FlowField | None``: one flow at most every ``interval`` seconds, over ``step``.

    One instance per camera; not thread-safe. Calling ``update`` again with the same
    image and time returns the same result (so several consumers can each call it).
    ``analysed`` counts flows, ``scaled`` frames scaled down.
    """

    def __init__(
        self,
        width: int = FLOW_WIDTH,
        interval: float = FLOW_INTERVAL,
        step: float = FLOW_STEP,
        *,
        max_gap: float = MAX_GAP,
        mask_rows: int = 0,
        method: Method = "farneback",
        size: tuple[int, int] | None = None,
        min_frames: int = 1,
        max_step: float = MAX_STEP,
        levels: int = 3,
        crop: bool = False,
    ) -> None:
        """``size``: working (w, h) to scale every frame to (default: ``width`` wide, the frame's aspect).
        ``crop``: Farneback over the changed part of the picture only (see the module notes)."""
        if width < 16:
            raise ValueError(f"flow width must be at least 16 pixels, got {width}")
        if interval < 0 or step < 0 or max_gap <= 0:
            raise ValueError(
                f"flow interval and step must be >= 0 and max_gap > 0 seconds, got {interval}, {step}, {max_gap}"
            )
        if min_frames < 1 or levels < 1:
            raise ValueError(f"flow min_frames and levels must be at least 1, got {min_frames}, {levels}")
        if step > max_gap:
            raise ValueError(f"flow step ({step} s) must not exceed max_gap ({max_gap} s)")
        self.width, self.interval, self.step, self.max_gap = width, interval, step, max_gap
        self.mask_rows = mask_rows
        self.min_frames, self.max_step, self.levels = min_frames, max_step, levels
        self.crop = crop
        self._relaxed: float | None = None
        self._pinned = False
        self.method: Method = method
        self._dis = _make_dis() if method == "dis" else None
        self._recent: deque[tuple[float, int, U8]] = deque()  # (t, frame number in the run, grey)
        self._n = 0
        self._last_flow = -math.inf
        self._last_t: float | None = None
        self._spacing = 0.0
        self._shape: tuple[int, ...] = ()
        self._fixed_size = size
        self._size: tuple[int, int] = size or (0, 0)
        self._memo: tuple[float, int, FlowField | None] | None = None
        self.restarted = False
        """True when the last ``update`` began a new run (first frame, a gap, time going back, a new size)."""
        self.analysed = 0
        self.scaled = 0

    @property
    def settings(self) -> tuple[int, float, float, int, str, int, float, int, bool]:
        """(width, interval, step, mask_rows, method, min_frames, max_step, levels, crop): equal settings, equal
        flows."""
        return (self.width, self.interval, self.step, self.mask_rows, self.method, self.min_frames, self.max_step,
                self.levels, self.crop)  # fmt: skip

    @property
    def current_interval(self) -> float:
        """Seconds between flows now: ``interval``, or longer while relaxed."""
        r = self._relaxed
        return self.interval if r is None or self._pinned else max(self.interval, r)

    def relax(self, seconds: float | None) -> None:
        """From now on a flow at most every ``seconds`` (never more often than ``interval``); None: back to
        ``interval``. No effect once pinned."""
        self._relaxed = seconds

    def pin(self, on: bool = True) -> None:
        """Keep ``interval`` whatever ``relax`` asks (a consumer needs every flow); ``on=False`` lifts that."""
        self._pinned = on

    @property
    def size(self) -> tuple[int, int] | None:
        """Working (w, h), once known (fixed, or from the first frame)."""
        return self._size if self._size[0] > 0 else None

    def reset(self) -> None:
        """Forget earlier frames (a cut, a new clip): the next flow needs new ones."""
        self._recent.clear()
        self._last_flow = -math.inf
        self._last_t = None
        self._spacing = 0.0
        self._n = 0
        self._memo = None
        self._relaxed = None

    def update(self, image: U8, t: float) -> FlowField | None:
        """The flow ending at this frame, or None (not due, or no earlier frame to measure from)."""
        memo = self._memo
        if memo is not None and memo[0] == t and memo[1] == id(image):
            return memo[2]  # the same frame asked again (another consumer): no new work
        out = self._update(image, t)
        self._memo = (t, id(image), out)
        return out

    def _update(self, image: U8, t: float) -> FlowField | None:
        self.restarted = False
        last = self._last_t
        if last is not None and t == last:
            return None  # a repeated timestamp: nothing to measure against
        if image.shape != self._shape or last is None or t < last or t - last > self.max_gap:
            self.reset()  # a new picture size, time going back or a gap: start afresh
            self._shape = image.shape
            self._size = self._fixed_size or working_size((image.shape[1], image.shape[0]), self.width)
            self.restarted = True
        else:
            self._spacing = t - last
        self._last_t = t
        self._n += 1
        n, recent = self._n, self._recent
        prev: tuple[float, int, U8] | None = None
        due = t - self._last_flow >= self.current_interval - _TIME_EPS
        if due:
            prev = next((f for f in reversed(recent) if self._pairs(t - f[0], n - f[1])), None)
            if prev is not None and self._spacing > 0.0 and t - prev[0] > self._ideal_dt() + 0.75 * self._spacing:
                prev = None  # the frame meant to start this flow was not kept (irregular frame times): a later
                # frame pairs with this one rather than measure over a long step
        if prev is None and not (due or self._needed_later(t)):
            return None
        grey = self._scale(image)
        recent.append((t, n, grey))
        while len(recent) > 2 and self._pairs(t - recent[1][0], n - recent[1][1]):
            recent.popleft()  # the newer one serves any later flow as well
        if prev is None:
            return None
        dt = t - prev[0]
        if self._dis is not None:
            flow = self._dis.calc(prev[2], grey, None)  # type: ignore[call-overload]
        else:
            flow = farneback(prev[2], grey, self.levels, self.crop)
        flow *= np.float32(1.0 / dt)
        self._last_flow = t
        self.analysed += 1
        return FlowField(flow, t, dt)

    def _pairs(self, gap: float, frames: int) -> bool:
        """Whether two frames ``gap`` seconds and ``frames`` frames apart may make a flow."""
        return gap >= self.step - _TIME_EPS and (frames >= self.min_frames or gap >= self.max_step - _TIME_EPS)

    def _ideal_dt(self) -> float:
        """The seconds a flow spans when frames keep the last spacing."""
        d = self._spacing
        k = next((k for k in range(1, 1000) if self._pairs(k * d, k)), 1)
        return k * d

    def _needed_later(self, t: float) -> bool:
        """Whether the frame at ``t`` is the one the next flow will measure from (predicted from the frame spacing)."""
        d = self._spacing
        if d <= 0.0:
            return True  # the first frame of a run, or spacing unknown: keep it
        due = max(self._last_flow + self.current_interval, t + d)
        k = max(1, math.ceil((due - t - _TIME_EPS) / d))  # frames until the first one at or after the due time
        return self._pairs(k * d, k) and not self._pairs((k - 1) * d, k - 1)

    def _scale(self, image: U8) -> U8:
        self.scaled += 1
        return to_working(image, self._size, self.mask_rows)
