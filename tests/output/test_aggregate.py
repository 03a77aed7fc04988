from __future__ import annotations

import math

import numpy as np
import pytest

from vigil.output.aggregate import BinnedSeries, GridHeatmap, Histogram


def test_binned_series_places_samples_by_time() -> None:
    s = BinnedSeries(max_bins=8, initial_width=1.0)
    for t, v in [(10.0, 1), (10.5, 3), (12.2, 5), (9.0, 7)]:  # 9.0 is before t0: bin 0
        s.add(t, v)
    assert len(s) == 3 and s.width == 1.0
    np.testing.assert_allclose(s.starts(), [10.0, 11.0, 12.0])
    np.testing.assert_array_equal(s.counts(), [3, 0, 1])
    np.testing.assert_allclose(s.means(), [11 / 3, np.nan, 5.0])
    np.testing.assert_allclose(s.maxima(), [7.0, np.nan, 5.0])


def test_binned_series_merges_neighbours_when_full_and_keeps_totals() -> None:
    s = BinnedSeries(max_bins=8, initial_width=1.0)
    values = [(t * 0.5, float(t % 7)) for t in range(200)]  # 0 .. 99.5 s
    for t, v in values:
        s.add(t, v)
    assert len(s) <= 8
    assert s.width == 16.0  # 1 -> 2 -> 4 -> 8 -> 16 s covers 100 s in 7 bins
    assert s.counts().sum() == 200
    np.testing.assert_allclose(np.nansum(s.means() * s.counts()), sum(v for _, v in values))
    assert np.nanmax(s.maxima()) == 6.0
    # bin i holds exactly the samples with floor(t / 16) == i
    for i, (n, mx) in enumerate(zip(s.counts(), s.maxima(), strict=True)):
        inside = [v for t, v in values if math.floor(t / 16) == i]
        assert n == len(inside) and mx == max(inside)


def test_binned_series_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="even"):
        BinnedSeries(max_bins=7)
    with pytest.raises(ValueError, match="initial_width"):
        BinnedSeries(initial_width=0)


def test_grid_heatmap_counts_points_in_cells_clips_near_ones_and_drops_far_ones() -> None:
    g = GridHeatmap(160, 120, cols=16, margin=0.02)
    assert g.shape == (12, 16)
    g.add([5.0, 5.0, 159.9, 162.0, -2.0, -20.0, 500.0], [5.0, 9.9, 119.9, 121.0, 60.0, 60.0, 500.0])
    grid = g.grid()
    assert grid[0, 0] == 2 and grid[11, 15] == 2 and grid[6, 0] == 1
    assert grid.sum() == g.points == 5  # (-20, 60) and (500, 500) are far outside: dropped
    g.add([], [])
    assert g.points == 5


def test_histogram_bins_and_running_stats() -> None:
    h = Histogram([0, 1, 5, 10])
    for v in [0.2, 0.9, 1.0, 4.0, 12.0, 300.0, -1.0, math.nan]:
        h.add(v)
    np.testing.assert_array_equal(h.counts(), [3, 2, 0, 2])  # -1 counts in the first bin, NaN is skipped
    assert h.stats.count == 7 and h.stats.minimum == -1.0 and h.stats.maximum == 300.0
    assert h.stats.mean == pytest.approx((0.2 + 0.9 + 1 + 4 + 12 + 300 - 1) / 7)
    with pytest.raises(ValueError, match="increasing"):
        Histogram([0, 5, 5])
