"""Temporal smoothing of a count series, by stream time (never by frame numbers).

A count from one frame is noisy: people flicker in and out of detection. The median
(or mean) over a short window of stream time removes most of that flicker.

- :class:`CountSmoother` is causal, for live use: the median of the counts of the last
  ``window`` seconds. It lags changes by about ``window / 2``.
- :func:`smooth_series` smooths a whole recorded series; ``centered=True`` uses the
  window around each time (no lag; what an offline evaluation or a report uses, or a
  live display that may run ``window / 2`` seconds late).
"""

from __future__ import annotations

from collections import deque
from typing import Literal

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
Method = Literal["median", "mean"]
_EPS = 1e-9


def _reduce(values: npt.ArrayLike, method: Method) -> float:
    return float(np.median(values) if method == "median" else np.mean(values))


def _check(window: float, method: str) -> None:
    if not window >= 0.0:
        raise ValueError(f"smoothing window must be a non-negative number of seconds, got {window}")
    if method not in ("median", "mean"):
        raise ValueError(f"smoothing method must be 'median' or 'mean', got {method!r}")


class CountSmoother:
    """``update(t, count) -> smoothed count``: median/mean over ``(t - window, t]`` seconds.

    Times must not decrease (a smaller ``t`` restarts the window: a new stream).
    ``window = 0`` returns each count unchanged.
    """

    def __init__(self, window: float, method: Method = "median") -> None:
        _check(window, method)
        self.window = float(window)
        self.method: Method = method
        self._buf: deque[tuple[float, float]] = deque()

    def update(self, t: float, count: float) -> float:
        buf = self._buf
        if buf and t < buf[-1][0]:
            buf.clear()
        buf.append((t, float(count)))
        while buf[0][0] <= t - self.window + _EPS and len(buf) > 1:
            buf.popleft()
        return _reduce([c for _, c in buf], self.method)

    def reset(self) -> None:
        self._buf.clear()


def smooth_series(
    times: npt.ArrayLike, counts: npt.ArrayLike, window: float, *, centered: bool = True, method: Method = "median"
) -> F64:
    """(T,) smoothed ``counts`` at increasing ``times`` (seconds).

    centered: each value is the median/mean over ``[t - window/2, t + window/2]``;
    otherwise over ``(t - window, t]`` (as :class:`CountSmoother` gives live).
    """
    _check(window, method)
    t = np.asarray(times, np.float64).reshape(-1)
    c = np.asarray(counts, np.float64).reshape(-1)
    if len(t) != len(c):
        raise ValueError(f"times and counts differ in length: {len(t)} vs {len(c)}")
    if len(t) > 1 and np.any(np.diff(t) < 0):
        raise ValueError("times must not decrease")
    if window == 0 or len(c) == 0:
        return c.copy()
    if centered:
        lo = np.searchsorted(t, t - window / 2 - _EPS, side="left")
        hi = np.searchsorted(t, t + window / 2 + _EPS, side="right")
    else:
        lo = np.searchsorted(t, t - window + _EPS, side="left")
        hi = np.arange(1, len(t) + 1)
    return np.array([_reduce(c[a:b], method) for a, b in zip(lo, hi, strict=True)], np.float64)
