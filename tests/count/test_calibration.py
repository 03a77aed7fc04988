"""Count calibration: fitting on synthetic frames, prediction near zero, JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vigil.count.calibration import (
    CountCalibration,
    counts_at,
    cross_validated_mae,
    fit_calibration,
)
from vigil.errors import ConfigError


def synthetic_frames(n: int, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Frames where the true count is 1.5 * (detections scoring >= 0.3) + 2 exactly.

    Each frame has k true-ish detections at 0.3..1 and some low-score noise below 0.3 whose
    number is unrelated to the count, so thresholds under 0.3 fit worse.
    """
    rng = np.random.default_rng(seed)
    scores, truth = [], []
    for _ in range(n):
        k = int(rng.integers(5, 40))
        noise = int(rng.integers(0, 30))
        scores.append(np.r_[rng.uniform(0.3, 1.0, k), rng.uniform(0.05, 0.29, noise)].astype(np.float32))
        truth.append(1.5 * k + 2)
    return scores, np.array(truth)


def test_counts_at() -> None:
    assert counts_at([np.array([0.1, 0.5, 0.9]), np.array([]), np.array([0.5])], 0.5).tolist() == [2, 0, 1]


def test_fit_recovers_line_and_threshold() -> None:
    scores, truth = synthetic_frames(60)
    cal = fit_calibration(scores, truth, thresholds=(0.1, 0.2, 0.3, 0.5))
    assert cal.threshold == pytest.approx(0.3)
    assert cal.slope == pytest.approx(1.5, abs=1e-6)
    assert cal.intercept == pytest.approx(2.0, abs=1e-6)
    assert cal.frames == 60
    assert cal.fit_mae == pytest.approx(0.0, abs=1e-6)
    assert cal.cv_mae is not None and cal.cv_mae < 1e-6
    # and it carries over to frames it has not seen
    test_scores, test_truth = synthetic_frames(30, seed=1)
    pred = cal.predict(counts_at(test_scores, cal.threshold))
    np.testing.assert_allclose(pred, test_truth, atol=1e-6)


def test_fixed_threshold_is_kept() -> None:
    scores, truth = synthetic_frames(20)
    cal = fit_calibration(scores, truth, thresholds=(0.1,))
    assert cal.threshold == pytest.approx(0.1) and cal.cv_mae is None
    assert cal.fit_mae is not None and cal.fit_mae > 0.5  # 0.1 lets the unrelated noise in


def test_few_frames_fit_through_the_origin() -> None:
    cal = fit_calibration([np.full(10, 0.9), np.full(20, 0.9)], [15, 30], thresholds=(0.5,))
    assert cal.intercept == 0.0 and cal.slope == pytest.approx(1.5)


def test_noisy_counts_give_a_sensible_line() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(10, 50, 200)
    truth = 1.2 * n + 3 + rng.normal(0, 1.5, 200)
    scores = [np.full(k, 0.8, np.float32) for k in n]
    cal = fit_calibration(scores, truth, thresholds=(0.5,))
    assert cal.slope == pytest.approx(1.2, abs=0.05) and cal.intercept == pytest.approx(3, abs=1.5)


def test_cross_validation_uses_blocks_of_time() -> None:
    # the count relation drifts over time: shuffled folds would hide it, blocks do not
    x = np.arange(100, dtype=float)
    y = np.where(x < 50, x, 2 * x)
    assert cross_validated_mae(x, y, 2) > 10


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, 0.0), (5, 0.5 * (2 * 10 + 4)), (10, 24.0), (20, 44.0)],
)
def test_prediction_below_the_calibrated_range_goes_to_zero(n: int, expected: float) -> None:
    cal = CountCalibration(threshold=0.3, slope=2.0, intercept=4.0, min_detections=10)
    assert float(cal.predict(n)) == pytest.approx(expected)


def test_prediction_is_never_negative() -> None:
    cal = CountCalibration(threshold=0.3, slope=1.0, intercept=-5.0)
    assert float(cal.predict(2)) == 0.0


def test_identity() -> None:
    cal = CountCalibration.identity(0.4)
    assert cal.is_identity and float(cal.predict(7)) == 7.0


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"threshold": 1.5}, "threshold"), ({"threshold": 0.3, "slope": -1.0}, "slope"),
     ({"threshold": 0.3, "intercept": float("nan")}, "intercept"),
     ({"threshold": 0.3, "min_detections": -1.0}, "min_detections")],
)
def test_invalid_calibrations(kwargs: dict[str, float], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        CountCalibration(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "error"),
    [(([np.ones(3)], [1, 2]), "one score array per labelled frame"), (([], []), "at least one labelled frame")],
)
def test_fit_rejects_bad_input(args: tuple[list[np.ndarray], list[int]], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        fit_calibration(*args)


def test_json_round_trip(tmp_path: Path) -> None:
    scores, truth = synthetic_frames(30)
    cal = fit_calibration(scores, truth, setup={"model": "yolox-nano", "tiles": "2x2"})
    path = cal.save(tmp_path / "cams" / "entrance.json")
    assert json.loads(path.read_text())["format"] == "vigil-count-calibration"
    again = CountCalibration.load(path)
    assert again == cal


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{not json", "not valid JSON"),
        ('{"threshold": 0.3}', "not a count calibration"),
        ('{"format": "vigil-count-calibration", "version": 9, "threshold": 0.3}', "version 9"),
        ('{"format": "vigil-count-calibration", "version": 1, "threshold": 0.3, "slop": 1}', "unknown field"),
        ('{"format": "vigil-count-calibration", "version": 1}', "no 'threshold'"),
        ('{"format": "vigil-count-calibration", "version": 1, "threshold": "high"}', "'threshold' must be a number"),
        ('{"format": "vigil-count-calibration", "version": 1, "threshold": 0.3, "slope": -2}', "slope"),
    ],
)
def test_bad_calibration_files_name_the_file(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "cal.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=error) as ei:
        CountCalibration.load(path)
    assert str(path) in str(ei.value)


def test_missing_calibration_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        CountCalibration.load(tmp_path / "nope.json")


def test_noise_model_from_times() -> None:
    rng = np.random.default_rng(5)
    n = 400
    t = np.arange(n) * 0.5
    truth = np.round(30 + np.cumsum(rng.normal(0, np.sqrt(2.0 * 0.5), n)))
    k = np.clip(truth + rng.normal(0, 2.0, n), 0, None).astype(int)
    scores = [np.full(int(c), 0.9, np.float32) for c in k]
    cal = fit_calibration(scores, truth, thresholds=(0.5,), times=t)
    assert cal.change_rate is not None
    assert cal.change_rate == pytest.approx(2.0, rel=0.25)  # people^2 per second
    assert cal.noise == pytest.approx(4.0, rel=0.3)
    # the same frames on a clock twice as fast change twice as fast per second
    fast = fit_calibration(scores, truth, thresholds=(0.5,), times=t / 2)
    assert fast.change_rate == pytest.approx(2 * cal.change_rate)
    assert fit_calibration(scores, truth, thresholds=(0.5,)).change_rate is None


def test_noise_model_rejects_bad_times() -> None:
    scores, truth = synthetic_frames(10)
    with pytest.raises(ValueError, match="one time per labelled frame"):
        fit_calibration(scores, truth, times=[0.0, 1.0])
    with pytest.raises(ValueError, match="must not decrease"):
        fit_calibration(scores, truth, times=np.arange(10.0)[::-1])
