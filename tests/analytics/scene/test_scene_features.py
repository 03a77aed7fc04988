"""The statistics behind the score: normal-speed map, frame statistics, temporal smoothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vigil.analytics.scene import SceneModelConfig
from vigil.analytics.scene.features import (
    FrameStatistics,
    TemporalFeatures,
    cell_means,
    cell_speed_observations,
    normal_speed_grid,
    pixel_map,
)
from vigil.analytics.scene.learner import dequantise, quantise
from vigil.analytics.scene.motion import masked_rows, to_working, working_size


def test_cell_means_and_observations() -> None:
    speed = np.zeros((20, 30), np.float32)
    speed[0:10, 0:10] = 4.0  # cell (0, 0) all moving at 4
    speed[10:20, 10:12] = 8.0  # cell (1, 1): 20 % moving at 8
    speed[10:11, 20:25] = 9.0  # cell (1, 2): 5 % moving: too little to count
    np.testing.assert_allclose(cell_means(speed, 10), [[4.0, 0, 0], [0, 1.6, 0.45]])
    log_speed, present = cell_speed_observations(speed, v0=1.0, cell=10)
    assert present.tolist() == [[True, False, False], [False, True, False]]
    assert log_speed[0, 0] == pytest.approx(math.log(4.0)) and log_speed[1, 1] == pytest.approx(math.log(8.0))


def test_normal_speed_shrinks_to_the_row_and_carries_down() -> None:
    count = np.array([[100.0, 0.0, 100.0], [0.0, 0.0, 0.0], [50.0, 50.0, 0.0]])
    log_sum = np.array([[100 * math.log(2.0), 0.0, 100 * math.log(8.0)], [0.0, 0.0, 0.0],
                        [50 * math.log(10.0), 50 * math.log(10.0), 0.0]])  # fmt: skip
    v = normal_speed_grid(count, log_sum, prior_weight=20.0)
    assert v[0, 1] == pytest.approx(4.0, rel=1e-5)  # unseen cell: its row's geometric mean
    assert v[0, 0] == pytest.approx(math.exp((100 * math.log(2) + 20 * math.log(4)) / 120), rel=1e-5)
    # an empty row takes the frame's mean, but never less than the cell above it
    assert v[1, 2] == pytest.approx(v[0, 2])
    assert v[2, 0] == pytest.approx(math.exp((50 * math.log(10) + 20 * math.log(10)) / 70), rel=1e-5)


def test_pixel_map_covers_the_frame() -> None:
    grid = np.array([[1.0, 3.0]], np.float32)
    m = pixel_map(grid, (25, 12), 10)
    assert m.shape == (12, 25)
    assert m[0, 0] == pytest.approx(1.0) and m[-1, -1] == pytest.approx(3.0)


def test_frame_statistics_quantile_and_activity() -> None:
    cfg = SceneModelConfig(quantile=0.98, min_displacement=0.2, activity_floor=0.01)
    normal = np.full((10, 10), 2.0, np.float32)
    valid = np.ones((10, 10), bool)
    valid[0] = False
    stats = FrameStatistics(normal, valid, cfg)
    speed = np.zeros((10, 10), np.float32)
    speed[0] = 100.0  # masked row: ignored
    speed[5, :5] = 20.0  # 5 of 90 valid pixels at 10x normal
    log_speed, log_act, rel = stats.compute(speed, dt=0.1)  # noise level 0.2 px / 0.1 s = 2 px/s
    assert log_speed == pytest.approx(math.log(10.0 + 1e-3))
    assert log_act == pytest.approx(math.log(5 / 90 + 0.01))
    assert rel[5, 0] == pytest.approx(10.0)


def test_temporal_features_smooth_and_measure_changes() -> None:
    cfg = SceneModelConfig(speed_smoothing=0.5, activity_smoothing=0.5, change_window=5.0)
    tf = TemporalFeatures(cfg)
    assert tf.update(0.0, 1.0, -2.0) == (1.0, 0.0, 0.0)
    s, _, _ = tf.update(0.5, 2.0, -2.0)
    assert s == pytest.approx(1.0 + (1 - math.exp(-1.0)))

    def run(t0: float, t1: float, act: float) -> tuple[float, float, float]:
        out = (0.0, 0.0, 0.0)
        for t in np.arange(t0, t1 + 1e-9, 0.25):
            out = tf.update(float(t), 2.0, act)
        return out

    settled = 2.0 * (1 - math.exp(-5.0))  # 2.5 s (five time constants) after the last low value at t = 0.5
    _, fall, rise = run(1.0, 3.0, 0.0)  # activity steps up by 2 at t = 1
    assert rise == pytest.approx(settled, abs=1e-3) and fall == 0.0
    _, fall, rise = run(3.25, 10.0, 0.0)
    assert rise == pytest.approx(0.0, abs=1e-3)  # the 5 s window has forgotten the step
    _, fall, rise = run(10.25, 12.0, -2.0)  # ... and back down at t = 10.25
    assert 1.9 < fall <= 2.0 and rise == 0.0
    tf.update(100.0, 0.0, 0.0)
    assert tf.update(50.0, 3.0, 1.0) == (3.0, 0.0, 0.0)  # time went back: start afresh


def test_speed_memory_is_long_only_while_the_scene_empties() -> None:
    cfg = SceneModelConfig(speed_smoothing=0.5, speed_decay=2.0, activity_smoothing=0.5, change_window=5.0)

    def after_fast_motion(act_after: float) -> float:
        tf = TemporalFeatures(cfg)
        for t in np.arange(0.0, 3.0, 0.1):
            tf.update(float(t), 3.0, -2.0)  # fast motion, steady moving area
        s = 0.0
        for t in np.arange(3.0, 4.0 + 1e-9, 0.1):
            s, _, _ = tf.update(float(t), 0.0, act_after)  # motion back to normal for 1 s
        return s

    steady = after_fast_motion(-2.0)  # same moving area: the speed follows with speed_smoothing
    emptying = after_fast_motion(-4.0)  # the moving area collapses: remembered with speed_decay
    assert steady == pytest.approx(3.0 * math.exp(-1.1 / 0.5), rel=0.01)  # 11 steps of 0.1 s
    assert emptying > 3.0 * math.exp(-1.1 / 2.0) * 0.8
    assert emptying > 2.5 * steady


def test_quantisation_error_is_small() -> None:
    speed = np.array([0.0, 0.01, 0.1, 1.0, 7.3, 99.0, 1000.0], np.float32)
    back = dequantise(quantise(speed))
    assert back[0] == 0.0 and back[1] == 0.0
    np.testing.assert_allclose(back[2:], speed[2:], rtol=0.022)


def test_working_image_and_masked_rows() -> None:
    assert working_size((768, 576), 160) == (160, 120)
    assert working_size((360, 240), 160) == (160, 107)
    image = np.full((240, 320, 3), 200, np.uint8)
    grey = to_working(image, (160, 120), mask_rows=31)
    assert masked_rows(31, 240, 120) == 17
    assert grey.shape == (120, 160) and grey.dtype == np.uint8
    assert (grey[:17] == 0).all() and (grey[17:] == 200).all()
