"""Count smoothing by stream time."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.count import CountSmoother, smooth_series
from vigil.count.smoothing import KalmanCountSmoother, rts_smooth


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


# --- Kalman ---------------------------------------------------------------------------


def _noisy_walk(seed: int, n: int = 400, dt: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n) * dt
    truth = 30 + np.cumsum(rng.normal(0, np.sqrt(1.0 * dt), n))  # change_rate 1 person^2/s
    return t, truth, truth + rng.normal(0, 3.0, n)  # noise 9 people^2


def test_kalman_beats_the_raw_counts_and_rts_beats_kalman() -> None:
    t, truth, z = _noisy_walk(0)
    live = KalmanCountSmoother(change_rate=1.0, noise=9.0)
    filtered = np.array([live.update(a, b) for a, b in zip(t, z, strict=True)])
    smoothed = rts_smooth(t, z, 1.0, 9.0)
    err = [np.abs(x - truth).mean() for x in (z, filtered, smoothed)]
    assert err[0] > 1.5 * err[1] and err[1] > 1.1 * err[2]


def test_kalman_trusts_a_frame_less_when_frames_come_more_often() -> None:
    # the count can change less between frames 0.1 s apart than 0.5 s apart
    first_step = {}
    for fps in (2.0, 10.0):
        k = KalmanCountSmoother(change_rate=1.0, noise=4.0)
        for t in np.arange(0, 10, 1 / fps):
            k.update(t, 10.0)
        first_step[fps] = k.update(10.0, 20.0) - 10.0
    assert 0 < first_step[10.0] < first_step[2.0] < 10.0


def test_kalman_restarts_when_time_goes_back() -> None:
    k = KalmanCountSmoother(1.0, 4.0)
    for t in range(10):
        k.update(float(t), 50.0)
    assert k.update(0.0, 5.0) == 5.0


@pytest.mark.parametrize(("rate", "noise"), [(-1.0, 1.0), (1.0, 0.0)])
def test_kalman_needs_a_noise_model(rate: float, noise: float) -> None:
    with pytest.raises(ValueError, match="change_rate"):
        KalmanCountSmoother(rate, noise)
    with pytest.raises(ValueError, match="change_rate"):
        rts_smooth([0.0], [1.0], rate, noise)


def test_rts_of_a_constant_is_the_constant() -> None:
    np.testing.assert_allclose(rts_smooth(np.arange(10.0), np.full(10, 7.0), 0.5, 2.0), 7.0)
    assert len(rts_smooth([], [], 1.0, 1.0)) == 0
