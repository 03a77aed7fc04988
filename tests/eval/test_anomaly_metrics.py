"""Anomaly metrics against hand-computed values (the definitions scikit-learn uses)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vigil.eval.anomaly import (
    Interval,
    average_precision,
    event_delays,
    false_alarms,
    onset_tolerant_mask,
    roc_auc,
    runs,
)

Y = [0, 0, 1, 1, 0, 1]
S = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9]


def test_roc_auc_by_hand() -> None:
    # positive/negative pairs ranked right: 0.35>0.1; 0.8 and 0.9 beat all three negatives -> 7 of 9
    assert roc_auc(Y, S) == pytest.approx(7 / 9)
    assert roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)  # ties count one half
    assert roc_auc([0, 1, 1], [3.0, 1.0, 2.0]) == 0.0
    assert math.isnan(roc_auc([1, 1], [0.1, 0.2]))


def test_average_precision_by_hand() -> None:
    # thresholds 0.9, 0.8, 0.4, 0.35: recall steps of 1/3 at precisions 1, 1, (0.5: no step), 0.6
    assert average_precision(Y, S) == pytest.approx((1 + 1 + 0.6) / 3)
    assert average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)  # one threshold: P = 1/2, R = 1
    assert math.isnan(average_precision([0, 0], [0.1, 0.2]))


def test_length_mismatch() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        roc_auc([0, 1], [0.1])


def test_runs_delays_and_false_alarms() -> None:
    labels = np.array([0, 0, 1, 1, 1, 0, 0, 1, 1, 0])
    times = np.arange(10) * 0.5
    frames = list(range(100, 110))
    assert runs(labels) == [(2, 5), (7, 9)]
    events = [Interval(0.2, 0.4), Interval(1.5, 2.2), Interval(4.9, math.inf)]
    d = event_delays(frames, times, labels, events)
    assert [(x.onset_frame, x.delay) for x in d] == [(102, 0.5), (107, None)]
    # an event may start up to ``early`` seconds before the onset; one that began earlier does not count
    d = event_delays(frames, times, labels, [Interval(0.0, 9.0), Interval(0.6, 0.7), Interval(3.4, 3.6)], early=0.5)
    assert [(x.onset_frame, x.delay) for x in d] == [(102, -0.4), (107, -0.1)]
    assert false_alarms(times, labels, events) == 2  # [0.2, 0.4] and [4.9, inf) touch no abnormal frame


def test_onset_tolerant_mask_leaves_out_the_second_before_onsets() -> None:
    labels = np.array([0] * 10 + [1] * 5 + [0] * 5)
    times = np.arange(20) * 0.25
    keep = onset_tolerant_mask(times, labels, 1.0)
    assert keep.tolist() == [True] * 6 + [False] * 4 + [True] * 10
