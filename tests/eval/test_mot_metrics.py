"""MOT metrics on tiny synthetic ground truth and tracker output."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.errors import DatasetError
from vigil.eval.metrics import MotScores, box_iou_xywh, combine, evaluate_sequence

FRAMES = 5


def rows(boxes: list[tuple[int, int, float, float]], conf: float = 1.0) -> np.ndarray:
    """(frame, id, left, top) -> MOT rows with 20x40 boxes."""
    return np.array([[f, i, x, y, 20, 40, conf, -1, -1, -1] for f, i, x, y in boxes], dtype=np.float64)


def two_walkers() -> np.ndarray:
    """Two people 200 px apart, moving right 5 px per frame, for FRAMES frames."""
    return rows([(f, i, 10 + 5 * f + 200 * (i - 1), 50) for f in range(1, FRAMES + 1) for i in (1, 2)])


def test_perfect_tracker_scores_one() -> None:
    gt = two_walkers()
    pred = gt.copy()
    pred[:, 1] += 40  # different ids are fine
    pred[:, 6] = -1
    s, _ = evaluate_sequence(gt, pred, FRAMES)
    assert s.HOTA == pytest.approx(1.0) and s.MOTA == pytest.approx(1.0) and s.IDF1 == pytest.approx(1.0)
    assert s.DetA == pytest.approx(1.0) and s.AssA == pytest.approx(1.0) and s.MOTP == pytest.approx(1.0)
    assert (s.IDSW, s.FP, s.FN, s.TP) == (0, 0, 0, 10)
    assert (s.num_gt_ids, s.num_pred_ids, s.num_frames) == (2, 2, FRAMES)


def test_id_switch_counts_once() -> None:
    gt = two_walkers()
    pred = gt.copy()
    pred[(pred[:, 1] == 1) & (pred[:, 0] >= 3), 1] = 7  # person 1 gets a new id from frame 3
    s, _ = evaluate_sequence(gt, pred, FRAMES)
    assert (s.IDSW, s.FP, s.FN) == (1, 0, 0)
    assert s.MOTA == pytest.approx((10 - 0 - 1) / 10)
    # IDF1: best id mapping keeps 3 of person 1's frames (id 7) and all 5 of person 2's
    assert s.IDF1 == pytest.approx(2 * 8 / (10 + 10))
    assert s.AssA < 1.0 and s.DetA == pytest.approx(1.0)


def test_missing_and_extra_boxes() -> None:
    gt = two_walkers()
    pred = gt[~((gt[:, 0] == 2) & (gt[:, 1] == 2))]  # person 2 missed in frame 2
    pred = np.vstack([pred, rows([(4, 99, 500, 300)])])  # a box where nobody is
    s, _ = evaluate_sequence(gt, pred, FRAMES)
    assert (s.TP, s.FN, s.FP, s.IDSW) == (9, 1, 1, 0)
    assert s.MOTA == pytest.approx((9 - 1) / 10)
    assert s.recall == pytest.approx(0.9) and s.precision == pytest.approx(0.9)


def test_iou_below_half_is_not_a_clear_match() -> None:
    gt = rows([(1, 1, 0, 0)])
    # 20x40 box shifted 7 px right: IoU = 13*40 / (2*800 - 13*40) = 0.4815
    s, _ = evaluate_sequence(gt, rows([(1, 1, 7, 0)]), 1)
    assert (s.TP, s.FP, s.FN) == (0, 1, 1)
    # shifted 6 px: IoU = 14*40 / (1600 - 560) = 0.538
    s, _ = evaluate_sequence(gt, rows([(1, 1, 6, 0)]), 1)
    assert (s.TP, s.FP, s.FN) == (1, 0, 0)
    assert s.MOTP == pytest.approx(560 / 1040)


def test_zero_marked_gt_rows_do_not_count() -> None:
    gt = np.vstack([two_walkers(), rows([(1, 5, 400, 300)], conf=0)])
    s, _ = evaluate_sequence(gt, two_walkers(), FRAMES)
    assert (s.TP, s.FN, s.FP, s.num_gt_ids, s.num_gt_dets) == (10, 0, 0, 2, 10)
    # a tracker box on an ignored gt box is a false positive (MOT15: tracker boxes are not filtered)
    s, _ = evaluate_sequence(gt, np.vstack([two_walkers(), rows([(1, 50, 400, 300)])]), FRAMES)
    assert s.FP == 1


def test_empty_tracker_output() -> None:
    s, _ = evaluate_sequence(two_walkers(), np.zeros((0, 10)), FRAMES)
    assert (s.HOTA, s.MOTA, s.IDF1, s.FN, s.TP, s.FP) == (0.0, 0.0, 0.0, 10, 0, 0)


def test_combine_sums_counts_over_sequences() -> None:
    gt = two_walkers()
    perfect, raw_a = evaluate_sequence(gt, gt, FRAMES)
    half = gt[gt[:, 1] == 1]
    missed, raw_b = evaluate_sequence(gt, half, FRAMES)
    assert missed.MOTA == pytest.approx(0.5)
    c = combine([raw_a, raw_b])
    assert isinstance(c, MotScores)
    assert (c.TP, c.FN, c.FP, c.num_frames, c.num_gt_dets) == (15, 5, 0, 2 * FRAMES, 20)
    assert c.MOTA == pytest.approx(15 / 20)
    assert c.IDF1 == pytest.approx(2 * 15 / (20 + 15))
    # combined DetA is over pooled counts, not the mean of the two sequences' DetA
    assert c.DetA == pytest.approx(15 / 20)
    assert combine([raw_a]) == perfect


def test_duplicate_id_in_a_frame_is_an_error() -> None:
    pred = rows([(1, 3, 0, 0), (1, 3, 100, 0)])
    with pytest.raises(DatasetError, match=r"tracker output: frame 1 has id\(s\) \[3\] more than once"):
        evaluate_sequence(rows([(1, 1, 0, 0)]), pred, 1, name="S")


def test_rows_outside_the_sequence_are_an_error() -> None:
    with pytest.raises(DatasetError, match=r"S ground truth: rows in frames \[3\] lie outside 1..2"):
        evaluate_sequence(rows([(3, 1, 0, 0)]), rows([]), 2, name="S")


def test_combine_needs_sequences() -> None:
    with pytest.raises(DatasetError, match="no sequences"):
        combine([])


def test_box_iou() -> None:
    a = np.array([[0, 0, 10, 10], [0, 0, 0, 5]], dtype=np.float64)
    b = np.array([[5, 0, 10, 10], [20, 20, 1, 1]], dtype=np.float64)
    np.testing.assert_allclose(box_iou_xywh(a, b), [[50 / 150, 0], [0, 0]])
    assert box_iou_xywh(a[:0], b).shape == (0, 2)
