"""Fixed-size summaries of an unbounded stream: memory does not grow with video length.

* :class:`BinnedSeries`: a time series in at most ``max_bins`` equal bins; when full,
  neighbours merge pairwise and the bin width doubles.
* :class:`GridHeatmap`: counts of points on a fixed grid over the frame.
* :class:`Histogram`: counts in fixed bins plus running count/mean/min/max.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class BinnedSeries:
    """Per-bin count, sum, max and min of samples ``(t, value)``.

    Bin ``i`` covers ``[t0 + i*width, t0 + (i+1)*width)`` where ``t0`` is the first
    sample's time. Samples before ``t0`` (time going backwards) fall into bin 0.
    """

    def __init__(self, max_bins: int = 2000, initial_width: float = 0.1) -> None:
        if max_bins < 2 or max_bins % 2:
            raise ValueError(f"max_bins must be an even number >= 2, got {max_bins}")
        if not initial_width > 0:
            raise ValueError(f"initial_width must be positive seconds, got {initial_width}")
        self.max_bins = max_bins
        self.width = initial_width
        self.t0: float | None = None
        self._n = np.zeros(max_bins, np.int64)
        self._sum = np.zeros(max_bins, np.float64)
        self._max = np.full(max_bins, -np.inf)
        self._min = np.full(max_bins, np.inf)
        self._used = 0  # bins up to the highest one touched

    def __len__(self) -> int:
        """Number of bins in use (at most ``max_bins``)."""
        return self._used

    def add(self, t: float, value: float) -> None:
        if self.t0 is None:
            self.t0 = t
        i = max(0, math.floor((t - self.t0) / self.width))
        while i >= self.max_bins:
            self._halve()
            i //= 2
        self._n[i] += 1
        self._sum[i] += value
        if value > self._max[i]:
            self._max[i] = value
        if value < self._min[i]:
            self._min[i] = value
        if i >= self._used:
            self._used = i + 1

    def _halve(self) -> None:
        """Merge bins pairwise: the width doubles, the number of bins in use halves."""
        half = self.max_bins // 2
        self._n[:half] = self._n.reshape(half, 2).sum(1)
        self._sum[:half] = self._sum.reshape(half, 2).sum(1)
        self._max[:half] = self._max.reshape(half, 2).max(1)
        self._min[:half] = self._min.reshape(half, 2).min(1)
        self._n[half:] = 0
        self._sum[half:] = 0.0
        self._max[half:] = -np.inf
        self._min[half:] = np.inf
        self._used = (self._used + 1) // 2
        self.width *= 2

    def starts(self) -> F64:
        """Start time of each bin in use."""
        t0 = 0.0 if self.t0 is None else self.t0
        return t0 + self.width * np.arange(self._used, dtype=np.float64)

    def counts(self) -> I64:
        return self._n[: self._used].copy()

    def means(self) -> F64:
        """Mean per bin; NaN where a bin holds no sample."""
        n = self._n[: self._used]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self._sum[: self._used] / np.maximum(n, 1), np.nan)

    def maxima(self) -> F64:
        """Max per bin; NaN where a bin holds no sample."""
        m = self._max[: self._used]
        return np.where(np.isfinite(m), m, np.nan)


class GridHeatmap:
    """Counts of points on a ``rows x cols`` grid over a ``width x height`` frame.

    ``cols`` is fixed; ``rows`` follows the frame's aspect ratio. Points up to
    ``margin`` (a fraction of the size) outside the frame count in the border cells;
    points farther out are dropped.
    """

    def __init__(self, width: int, height: int, cols: int = 96, margin: float = 0.02) -> None:
        if width < 1 or height < 1:
            raise ValueError(f"frame size must be positive, got {width}x{height}")
        self.width, self.height = width, height
        self.cols = cols
        self.rows = max(1, round(cols * height / width))
        self._grid = np.zeros(self.rows * self.cols, np.float64)
        self.margin = margin
        self.points = 0

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.cols

    def add(self, x: npt.ArrayLike, y: npt.ArrayLike) -> None:
        xs = np.asarray(x, np.float64).reshape(-1)
        ys = np.asarray(y, np.float64).reshape(-1)
        mx, my = self.margin * self.width, self.margin * self.height
        inside = (xs >= -mx) & (xs <= self.width + mx) & (ys >= -my) & (ys <= self.height + my)
        if not inside.all():
            xs, ys = xs[inside], ys[inside]
        if xs.size == 0:
            return
        c = (xs * (self.cols / self.width)).astype(np.int64)
        r = (ys * (self.rows / self.height)).astype(np.int64)
        np.minimum(np.maximum(c, 0, out=c), self.cols - 1, out=c)
        np.minimum(np.maximum(r, 0, out=r), self.rows - 1, out=r)
        np.add.at(self._grid, r * self.cols + c, 1.0)
        self.points += xs.size

    def grid(self) -> F64:
        """A copy of the counts, shape ``(rows, cols)``."""
        return self._grid.reshape(self.rows, self.cols).copy()


@dataclass(slots=True)
class RunningStats:
    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


class Histogram:
    """Counts in fixed bins ``[edges[i], edges[i+1])``; the last bin is open-ended.
    Values below ``edges[0]`` count in the first bin."""

    def __init__(self, edges: Sequence[float]) -> None:
        e = np.asarray(edges, np.float64)
        if e.ndim != 1 or e.size < 1 or np.any(np.diff(e) <= 0):
            raise ValueError(f"histogram edges must be increasing, got {list(edges)}")
        self.edges = e
        self._counts = np.zeros(e.size, np.int64)
        self.stats = RunningStats()

    def add(self, value: float) -> None:
        if not math.isfinite(value):
            return
        i = max(0, int(np.searchsorted(self.edges, value, side="right")) - 1)
        self._counts[i] += 1
        self.stats.add(value)

    def counts(self) -> I64:
        return self._counts.copy()
