"""Class-aware NMS against hand-computed cases; the OpenCV path and the NumPy reference agree."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.detect.nms import nms, nms_reference

IMPLEMENTATIONS = [nms, nms_reference]

CASES = [
    # (name, boxes, scores, classes, iou threshold, kept indices in order)
    ("overlapping same class: lower score suppressed (IoU 9/11)",
     [[0, 0, 10, 10], [1, 0, 11, 10]], [0.9, 0.8], [0, 0], 0.45, [0]),
    ("same boxes, different classes: both kept",
     [[0, 0, 10, 10], [1, 0, 11, 10]], [0.9, 0.8], [0, 2], 0.45, [0, 1]),
    ("IoU exactly at the threshold is kept (suppress only above)",
     [[0, 0, 10, 10], [0, 0, 10, 5]], [0.9, 0.8], [0, 0], 0.5, [0, 1]),
    ("IoU just above the threshold is suppressed",
     [[0, 0, 10, 10], [0, 0, 10, 5]], [0.9, 0.8], [0, 0], 0.4999, [0]),
    ("fractional coordinates (IoU 1/2.2 = 0.4545)",
     [[0, 0, 1.6, 1], [0.6, 0, 2.2, 1]], [0.9, 0.8], [0, 0], 0.45, [0]),
    ("fractional coordinates under a higher threshold",
     [[0, 0, 1.6, 1], [0.6, 0, 2.2, 1]], [0.9, 0.8], [0, 0], 0.46, [0, 1]),
    ("greedy chain: A suppresses B, so C (overlapping only B) survives",
     [[0, 0, 10, 10], [4, 0, 14, 10], [8, 0, 18, 10]], [0.9, 0.8, 0.7], [0, 0, 0], 0.3, [0, 2]),
    ("output sorted by score, highest first",
     [[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]], [0.2, 0.9, 0.5], [0, 0, 0], 0.45, [1, 2, 0]),
    ("disjoint boxes all kept",
     [[0, 0, 1, 1], [2, 2, 3, 3]], [0.5, 0.6], [1, 1], 0.01, [1, 0]),
    ("a higher-score box of another class does not shield or suppress",
     [[0, 0, 10, 10], [0, 0, 10, 10], [1, 0, 11, 10]], [0.95, 0.9, 0.8], [3, 0, 0], 0.45, [0, 1]),
    ("equal scores keep input order; an exact duplicate is suppressed",
     [[0, 0, 1, 1], [2, 2, 3, 3], [4, 4, 5, 5], [0, 0, 1, 1]], [0.5, 0.5, 0.5, 0.5], [0, 0, 0, 0], 0.5, [0, 1, 2]),
]  # fmt: skip


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("name", "boxes", "scores", "classes", "thr", "expected"), CASES, ids=[c[0] for c in CASES])
def test_nms_hand_computed(
    impl, name: str, boxes: list, scores: list, classes: list, thr: float, expected: list[int]
) -> None:
    kept = impl(np.array(boxes, np.float32), np.array(scores, np.float32), np.array(classes, np.int64), thr)
    assert kept.tolist() == expected, name
    assert kept.dtype == np.int64


@pytest.mark.parametrize("impl", IMPLEMENTATIONS, ids=lambda f: f.__name__)
def test_nms_of_nothing(impl) -> None:
    kept = impl(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64), 0.45)
    assert kept.shape == (0,)


def test_opencv_and_reference_agree_on_random_crowds() -> None:
    rng = np.random.default_rng(7)
    for trial in range(50):
        n = int(rng.integers(1, 120))
        xy = rng.uniform(0, 400, (n, 2)).astype(np.float32)
        wh = rng.uniform(2, 80, (n, 2)).astype(np.float32)
        boxes = np.hstack([xy, xy + wh])
        scores = rng.uniform(0.1, 1.0, n).astype(np.float32)
        classes = rng.integers(0, 3, n).astype(np.int64)
        thr = float(rng.uniform(0.2, 0.7))
        assert nms(boxes, scores, classes, thr).tolist() == nms_reference(boxes, scores, classes, thr).tolist(), trial
