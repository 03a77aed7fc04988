"""Count smoothing by stream time."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.count import CountSmoother, smooth_series


def test_median_removes_a_one_frame_spike() -> None:
    s = CountSmoother(window=1.0)
    out = [s.update(t * 0.25, c) for t, c in enumerate([10, 10, 10, 30, 10, 10])]
    assert out[3] == 10.0


def test_window_is_in_seconds_not_frames() -> None:
    # the same 2 s of a step from 10 to 20 people, at 2 fps and at 10 fps: same answer after 1.5 s
    for fps in (2.0, 10.0):
        s = CountSmoother(window=2.0)
        times = np.arange(0, 10, 1 / fps)
        outs = [s.update(t, 10 if t < 5 else 20) for t in times]
        at = {round(t, 3): o for t, o in zip(times, outs, strict=True)}
        assert at[4.5] == 10.0
        assert at[6.5] == 20.0


def test_time_going_back_starts_over() -> None:
    s = CountSmoother(window=10.0)
    for t in range(5):
        s.update(float(t), 100.0)
    assert s.update(0.0, 3.0) == 3.0


def test_zero_window_passes_counts_through() -> None:
    s = CountSmoother(window=0.0)
    assert [s.update(t, c) for t, c in [(0, 5), (1, 9), (2, 1)]] == [5, 9, 1]


def test_mean() -> None:
    s = CountSmoother(window=10.0, method="mean")
    s.update(0.0, 1.0)
    assert s.update(1.0, 3.0) == 2.0


@pytest.mark.parametrize(("window", "method"), [(-1.0, "median"), (1.0, "mode")])
def test_bad_settings(window: float, method: str) -> None:
    with pytest.raises(ValueError):
        CountSmoother(window, method)  # type: ignore[arg-type]


def test_series_centred_has_no_lag() -> None:
    t = np.arange(20, dtype=float)
    c = np.where(t < 10, 10.0, 20.0)
    centred = smooth_series(t, c, 4.0)
    trailing = smooth_series(t, c, 4.0, centered=False)
    assert centred[9] == 10.0 and centred[10] == 20.0  # the step stays where it is
    assert (trailing[10], trailing[11], trailing[12]) == (10.0, 15.0, 20.0)  # the live median lags


def test_series_matches_live_smoother() -> None:
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.2, 0.8, 50))
    c = rng.integers(0, 30, 50).astype(float)
    live = CountSmoother(2.0)
    np.testing.assert_allclose(smooth_series(t, c, 2.0, centered=False), [live.update(a, b) for a, b in zip(t, c)])


def test_series_input_checks() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        smooth_series([0, 1], [1], 1.0)
    with pytest.raises(ValueError, match="must not decrease"):
        smooth_series([1, 0], [1, 2], 1.0)
