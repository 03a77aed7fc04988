"""Counter: calibrated counts of detections and tracks, per zone."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.count import CountCalibration, Counter
from vigil.types import Detections, Tracks


def detections(scores: list[float], classes: list[int] | None = None) -> Detections:
    n = len(scores)
    boxes = np.tile(np.array([[0, 0, 10, 20]], np.float32), (n, 1))
    return Detections(boxes, np.array(scores, np.float32), np.array(classes or [0] * n, np.int64))


def test_uncalibrated_counts_confident_people() -> None:
    c = Counter()
    assert c.count(detections([0.9, 0.5, 0.31, 0.29, 0.1])) == 3.0


def test_calibrated_count() -> None:
    c = Counter(CountCalibration(threshold=0.1, slope=0.8, intercept=3.0))
    assert c.count(detections([0.9, 0.5, 0.31, 0.29, 0.1, 0.05])) == pytest.approx(0.8 * 5 + 3)


def test_only_counted_classes() -> None:
    dets = detections([0.9, 0.9, 0.9], [0, 2, 24])  # person, car, backpack
    assert Counter().count(dets) == 1.0
    assert Counter(classes=(0, 2)).count(dets) == 2.0
    with pytest.raises(ValueError, match="at least one class"):
        Counter(classes=())


def test_zones_share_the_frame_count() -> None:
    c = Counter(CountCalibration(threshold=0.3, slope=1.5, intercept=4.0))
    dets = detections([0.9, 0.8, 0.7, 0.6, 0.2])
    in_a = np.array([True, True, True, False, True])  # the 0.2 one is not counted anyway
    total = c.count(dets)
    a, b = c.count(dets, in_a), c.count(dets, ~in_a)
    assert total == pytest.approx(1.5 * 4 + 4)
    assert a == pytest.approx(total * 3 / 4) and b == pytest.approx(total / 4)
    assert a + b == pytest.approx(total)


def test_empty_zone_and_empty_frame() -> None:
    c = Counter(CountCalibration(threshold=0.3, slope=1.0, intercept=5.0, min_detections=3))
    dets = detections([0.9, 0.9])
    assert c.count(dets, np.zeros(2, bool)) == 0.0
    assert c.count(Detections.empty()) == 0.0  # below the calibrated range: no people, not the intercept


def test_zone_mask_must_match() -> None:
    with pytest.raises(ValueError, match="3 entries for 2 objects"):
        Counter().count(detections([0.9, 0.9]), np.ones(3, bool))


def test_tracks_count_every_track_of_the_classes() -> None:
    tracks = Tracks(
        np.zeros((4, 4), np.float32), np.arange(4), np.array([0.9, 0.0, 0.2, 0.8], np.float32),
        np.array([0, 0, 0, 2], np.int64),
    )
    # the coasting track (score 0) and the low-score one are confirmed people; the car is not counted
    assert Counter().count(tracks) == 3.0
    assert Counter().raw_count(tracks) == 3


def test_smoother_follows_the_calibration() -> None:
    from vigil.count import CountSmoother, KalmanCountSmoother

    plain = Counter(CountCalibration(threshold=0.1, slope=0.7, intercept=2.0))
    assert isinstance(plain.smoother(), CountSmoother)
    modelled = Counter(CountCalibration(threshold=0.1, slope=0.7, intercept=2.0, change_rate=3.0, noise=9.0))
    s = modelled.smoother()
    assert isinstance(s, KalmanCountSmoother)
    assert s.update(0.0, 10.0) == 10.0 and 10.0 < s.update(1.0, 20.0) < 20.0


def test_public_surface() -> None:
    import vigil.count

    assert sorted(vigil.count.__all__) == sorted([
        "CountCalibration", "CountSmoother", "Counter", "CountingConfig", "CountingDataset", "KalmanCountSmoother",
        "Smoother", "fit_calibration", "load_counting_dataset", "rts_smooth", "smooth_series",
    ])
