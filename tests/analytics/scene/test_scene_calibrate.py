"""Threshold calibration: the false-alarm rate on new normal data is near the target."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.analytics.scene.calibrate import calibrate_threshold, count_events, sustained

RATE = 4.0  # scores per second
GATE = {"hysteresis": 1.0, "min_duration": 0.5, "end_after": 1.0}


def _ar1(hours: float, seed: int, rho: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Stationary AR(1) Gaussian scores with unit variance, ``RATE`` per second."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600 * RATE)
    e = rng.standard_normal(n) * np.sqrt(1 - rho**2)
    x = np.empty(n)
    x[0] = rng.standard_normal()
    for i in range(1, n):
        x[i] = rho * x[i - 1] + e[i]
    return np.arange(n) / RATE, x


@pytest.fixture(scope="module")
def fresh() -> tuple[np.ndarray, np.ndarray]:
    return _ar1(6.0, seed=99)


@pytest.mark.parametrize(
    ("train_hours", "target", "method"),
    [
        (1.0, 30.0, "empirical"),  # the footage holds ~30 events at the rate
        (0.25, 5.0, "tail"),  # 15 minutes for a rate of 5/hour: extrapolated
        (0.25, 1.0, "tail"),
    ],
)
def test_rate_on_fresh_normal_data_is_near_target(
    fresh: tuple[np.ndarray, np.ndarray], train_hours: float, target: float, method: str
) -> None:
    cal = calibrate_threshold([_ar1(train_hours, seed=1)], target, **GATE)
    assert cal.method == method
    rate = count_events([fresh], cal.threshold, **GATE) / 6.0
    # never many more alarms than asked; an exponential tail over-estimates a Gaussian one,
    # so extrapolated thresholds err on the quiet side (by up to ~6x here)
    assert rate <= target * 1.5, (cal, rate)
    assert rate >= (target / 3 if method == "empirical" else target / 8), (cal, rate)


def test_threshold_rises_as_the_target_falls() -> None:
    train = [_ar1(0.5, seed=3)]
    thresholds = [calibrate_threshold(train, r, **GATE).threshold for r in (60.0, 10.0, 1.0, 0.1)]
    assert thresholds == sorted(thresholds)


def test_sustained_is_a_running_minimum() -> None:
    t = np.arange(6) * 0.5
    s = np.array([5.0, 1.0, 4.0, 6.0, 7.0, 2.0])
    out = sustained(t, s, 1.0)
    assert out[0] == -np.inf and out[1] == -np.inf
    np.testing.assert_array_equal(out[2:], [1.0, 1.0, 4.0, 2.0])


def test_bad_target() -> None:
    with pytest.raises(ValueError, match="positive"):
        calibrate_threshold([_ar1(0.01, seed=0)], 0.0, **GATE)
