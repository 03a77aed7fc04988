"""The vectorised constant-velocity Kalman filter: time steps compose, noise scales with box size."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.track.kalman import PP, VV, KalmanBoxFilter, box_to_z, z_to_box


def _moving(kf: KalmanBoxFilter, v: float) -> tuple[np.ndarray, np.ndarray]:
    mean, cov = kf.initiate(np.array([[100.0, 200.0, 40.0, 100.0], [300.0, 200.0, 80.0, 200.0]]))
    mean[:, 4] = v
    return mean, cov


def test_box_conversions_round_trip() -> None:
    xyxy = np.array([[10.0, 20.0, 50.0, 120.0], [0.0, 0.0, 1.0, 2.0]])
    z = box_to_z(xyxy)
    assert z[0].tolist() == [30.0, 70.0, 40.0, 100.0]
    np.testing.assert_allclose(z_to_box(z), xyxy)


def test_ten_short_steps_equal_one_long_step() -> None:
    kf = KalmanBoxFilter()
    mean, cov = _moving(kf, 50.0)
    m1, c1 = kf.predict(mean, cov, 1.0)
    m10, c10 = mean, cov
    for _ in range(10):
        m10, c10 = kf.predict(m10, c10, 0.1)
    np.testing.assert_allclose(m10, m1)
    np.testing.assert_allclose(c10, c1, rtol=1e-9)
    assert m1[0, 0] == pytest.approx(150.0)


def test_predict_accepts_one_step_per_track() -> None:
    kf = KalmanBoxFilter()
    mean, cov = _moving(kf, 10.0)
    m, c = kf.predict(mean, cov, np.array([0.5, 2.0]))
    assert m[:, 0].tolist() == pytest.approx([105.0, 320.0])
    one, _ = kf.predict(mean[1:], cov[1:], 2.0)
    np.testing.assert_allclose(m[1:], one)


def test_uncertainty_grows_with_time_and_shrinks_with_a_measurement() -> None:
    kf = KalmanBoxFilter()
    mean, cov = _moving(kf, 0.0)
    m1, c1 = kf.predict(mean, cov, 0.1)
    m2, c2 = kf.predict(mean, cov, 1.0)
    assert np.all(c2[:, PP] > c1[:, PP]) and np.all(c1[:, PP] > cov[:, PP])
    _, c3 = kf.update(m2, c2, m2[:, :4])
    assert np.all(c3[:, PP] < c2[:, PP]) and np.all(c3[:, VV] <= c2[:, VV])


def test_noise_is_proportional_to_box_size() -> None:
    kf = KalmanBoxFilter()
    mean, cov = _moving(kf, 0.0)  # the second box is twice the first
    _, c = kf.predict(mean, cov, 0.5)
    np.testing.assert_allclose(c[1], 4.0 * c[0])


def test_velocity_converges_on_a_constant_velocity_target() -> None:
    kf = KalmanBoxFilter()
    truth = np.array([[100.0, 300.0, 40.0, 100.0]])
    mean, cov = kf.initiate(truth)
    for i in range(1, 21):  # 2 s at 10 fps, moving 60 px/s right and 10 px/s down
        mean, cov = kf.predict(mean, cov, 0.1)
        mean, cov = kf.update(mean, cov, truth + np.array([[6.0 * i, 1.0 * i, 0.0, 0.0]]))
    assert mean[0, 4] == pytest.approx(60.0, abs=3.0)
    assert mean[0, 5] == pytest.approx(10.0, abs=1.0)
    assert mean[0, 0] == pytest.approx(220.0, abs=1.0)


def test_empty_inputs_keep_their_shapes() -> None:
    kf = KalmanBoxFilter()
    mean, cov = kf.initiate(np.zeros((0, 4)))
    assert mean.shape == (0, 8) and cov.shape == (0, 3, 4)
    m, c = kf.predict(mean, cov, 0.1)
    assert m.shape == (0, 8) and c.shape == (0, 3, 4)
    assert kf.innovation_var(mean, cov).shape == (0, 4)
