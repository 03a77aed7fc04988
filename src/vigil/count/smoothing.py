"""Temporal smoothing of a count series, by stream time (never by frame numbers).

A count from one frame is noisy: people flicker in and out of detection. Two ways to
remove that flicker:

- Kalman (the default with a calibration): the true count is a random walk whose
  variance grows by ``change_rate`` people² per second, and each frame's count misses
  it by noise of variance ``noise`` people². Both come from the calibration frames (how
  fast the labelled count changes; how far the calibrated count is from it), so the
  amount of smoothing follows the camera and the frame rate, with no window to choose.
  :class:`KalmanCountSmoother` is causal (live); :func:`rts_smooth` also looks ahead
  (Rauch-Tung-Striebel: offline evaluation, reports).
- A median (or mean) over a window of seconds: :class:`CountSmoother` (live, lags by
  about ``window / 2``) and :func:`smooth_series` (``centered=True``: no lag).
"""

from __future__ import annotations

from collections import deque
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
Method = Literal["median", "mean"]
_EPS = 1e-9


class Smoother(Protocol):
    """Live smoothing of one count series: ``update(t, count) -> smoothed count``."""

    def update(self, t: float, count: float) -> float: ...

    def reset(self) -> None: ...


def _reduce(values: F64 | list[float], method: Method) -> float:
    v = np.asarray(values, np.float64)
    return float(np.median(v) if method == "median" else np.mean(v))


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


def _check_noise(change_rate: float, noise: float) -> None:
    if not (change_rate >= 0.0 and noise > 0.0):
        raise ValueError(
            f"Kalman smoothing needs change_rate >= 0 and noise > 0 (people^2), got {change_rate} and {noise}"
        )


class KalmanCountSmoother:
    """``update(t, count) -> filtered count``: causal Kalman filter of a random-walk count.

    change_rate: variance (people²) the true count gains per second. noise: variance
    (people²) of one frame's count error. A time that goes back starts over.
    """

    def __init__(self, change_rate: float, noise: float) -> None:
        _check_noise(change_rate, noise)
        self.change_rate = float(change_rate)
        self.noise = float(noise)
        self._t: float | None = None
        self._x = 0.0
        self._p = 0.0

    def update(self, t: float, count: float) -> float:
        if self._t is None or t < self._t:
            self._x, self._p = float(count), self.noise
        else:
            p = self._p + self.change_rate * (t - self._t)
            gain = p / (p + self.noise)
            self._x += gain * (float(count) - self._x)
            self._p = (1.0 - gain) * p
        self._t = t
        return self._x

    def reset(self) -> None:
        self._t = None


def rts_smooth(times: npt.ArrayLike, counts: npt.ArrayLike, change_rate: float, noise: float) -> F64:
    """(T,) counts smoothed with the whole series (Kalman forward, Rauch-Tung-Striebel back)."""
    _check_noise(change_rate, noise)
    t = np.asarray(times, np.float64).reshape(-1)
    z = np.asarray(counts, np.float64).reshape(-1)
    if len(t) != len(z):
        raise ValueError(f"times and counts differ in length: {len(t)} vs {len(z)}")
    if len(t) > 1 and np.any(np.diff(t) < 0):
        raise ValueError("times must not decrease")
    n = len(z)
    if n == 0:
        return z.copy()
    x = np.empty(n)
    p = np.empty(n)
    q = np.r_[0.0, change_rate * np.diff(t)]
    x[0], p[0] = z[0], noise
    for i in range(1, n):
        prior = p[i - 1] + q[i]
        gain = prior / (prior + noise)
        x[i] = x[i - 1] + gain * (z[i] - x[i - 1])
        p[i] = (1.0 - gain) * prior
    out = x.copy()
    for i in range(n - 2, -1, -1):
        prior = p[i] + q[i + 1]
        g = p[i] / prior if prior > 0 else 0.0
        out[i] = x[i] + g * (out[i + 1] - x[i])
    return out
