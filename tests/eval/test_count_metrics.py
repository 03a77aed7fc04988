"""Counting metrics: MAE and RMSE."""

from __future__ import annotations

import math

import pytest

from vigil.eval.count import mae, rmse


@pytest.mark.parametrize(
    ("pred", "truth", "mae_", "rmse_"),
    [
        ([10, 20, 30], [10, 20, 30], 0.0, 0.0),
        ([12, 18], [10, 20], 2.0, 2.0),
        ([10, 14], [10, 10], 2.0, math.sqrt(8.0)),  # RMSE weighs the big miss more
        ([0.5], [0], 0.5, 0.5),
    ],
)
def test_mae_rmse(pred: list[float], truth: list[float], mae_: float, rmse_: float) -> None:
    assert mae(pred, truth) == pytest.approx(mae_)
    assert rmse(pred, truth) == pytest.approx(rmse_)


def test_no_frames_is_nan() -> None:
    assert math.isnan(mae([], [])) and math.isnan(rmse([], []))
