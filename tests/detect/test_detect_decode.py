"""YOLOX head decoding against hand-computed outputs (64 px input: 8x8 + 4x4 + 2x2 anchors)."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.detect.yolox_decode import AnchorGrid, decode, looks_decoded

PERSON, CAR, DOG = 0, 2, 16


def _raw(grid: AnchorGrid) -> np.ndarray:
    """A head output with no objects: zero offsets and sizes, zero objectness."""
    return np.zeros((len(grid), 85), np.float32)


def _set(raw: np.ndarray, i: int, box: tuple[float, float, float, float], obj: float, cls: dict[int, float]) -> None:
    raw[i, :4] = box
    raw[i, 4] = obj
    for c, p in cls.items():
        raw[i, 5 + c] = p


def test_anchor_grid_order_matches_the_yolox_head() -> None:
    g = AnchorGrid.for_input(64, 64)
    assert len(g) == 8 * 8 + 4 * 4 + 2 * 2
    # stride 8 first, row-major (y then x): index 19 is row 2, column 3
    assert (g.gx[19], g.gy[19], g.stride[19]) == (3, 2, 8)
    assert (g.gx[64], g.gy[64], g.stride[64]) == (0, 0, 16)
    assert (g.gx[79], g.gy[79], g.stride[79]) == (3, 3, 16)
    assert (g.gx[82], g.gy[82], g.stride[82]) == (0, 1, 32)


def test_anchor_grid_for_a_non_square_input() -> None:
    g = AnchorGrid.for_input(64, 128)  # height 64, width 128
    assert len(g) == 8 * 16 + 4 * 8 + 2 * 4
    assert g.gx[:16].tolist() == list(range(16)) and g.gy[16] == 1
    assert len(AnchorGrid.for_input(416, 416)) == 3549
    assert len(AnchorGrid.for_input(640, 640)) == 8400


def test_decode_hand_computed_boxes_scores_and_classes() -> None:
    g = AnchorGrid.for_input(64, 64)
    raw = _raw(g)
    # stride 8, cell (3, 2): cx = (0.5+3)*8 = 28, cy = (0.25+2)*8 = 18, w = 2*8, h = 4*8
    _set(raw, 19, (0.5, 0.25, np.log(2.0), np.log(4.0)), 0.9, {PERSON: 0.8})
    # stride 16, cell (1, 2) = index 64 + 2*4 + 1: cx = 16, cy = (-0.5+2)*16 = 24, w = h = 16
    _set(raw, 73, (0.0, -0.5, 0.0, 0.0), 0.5, {CAR: 0.5, PERSON: 0.25})
    # stride 32, cell (0, 1): cx = 0, cy = 32, w = h = 32 (runs off the input: not clipped here)
    _set(raw, 82, (0.0, 0.0, 0.0, 0.0), 0.6, {DOG: 0.5})

    xyxy, scores, class_ids = decode(raw, g, score_threshold=0.1)

    order = np.argsort(-scores)
    np.testing.assert_allclose(
        xyxy[order], [[20, 2, 36, 34], [-16, 16, 16, 48], [8, 16, 24, 32]], rtol=0, atol=1e-5
    )
    np.testing.assert_allclose(scores[order], [0.72, 0.30, 0.25], atol=1e-6)
    assert class_ids[order].tolist() == [PERSON, DOG, CAR]
    assert xyxy.dtype == np.float32 and scores.dtype == np.float32 and class_ids.dtype == np.int64


def test_each_anchor_takes_its_best_class_before_the_class_filter() -> None:
    g = AnchorGrid.for_input(64, 64)
    raw = _raw(g)
    _set(raw, 0, (0.5, 0.5, 0.0, 0.0), 0.9, {DOG: 0.7, PERSON: 0.6})
    _set(raw, 1, (0.5, 0.5, 0.0, 0.0), 0.9, {PERSON: 0.9})
    only_person = np.zeros(80, np.bool_)
    only_person[PERSON] = True

    _, scores, class_ids = decode(raw, g, 0.1, only_person)
    assert class_ids.tolist() == [PERSON]  # the mostly-dog anchor is not reported as a person
    np.testing.assert_allclose(scores, [0.81], atol=1e-6)

    _, _, all_ids = decode(raw, g, 0.1)
    assert sorted(all_ids.tolist()) == [PERSON, DOG]


@pytest.mark.parametrize(
    ("threshold", "kept"),
    [
        (0.25, 1),  # obj 0.5 * cls 0.5 = 0.25 exactly: kept (at or above)
        (0.2500001, 0),
        (0.6, 0),  # obj alone passes, the product does not
    ],
)
def test_score_threshold_applies_to_obj_times_class(threshold: float, kept: int) -> None:
    g = AnchorGrid.for_input(64, 64)
    raw = _raw(g)
    _set(raw, 5, (0.0, 0.0, 0.0, 0.0), 0.5, {PERSON: 0.5})
    _, scores, _ = decode(raw, g, threshold)
    assert len(scores) == kept


def test_high_class_score_with_low_objectness_is_dropped() -> None:
    g = AnchorGrid.for_input(64, 64)
    raw = _raw(g)
    _set(raw, 3, (0.0, 0.0, 0.0, 0.0), 0.05, {PERSON: 1.0})
    assert len(decode(raw, g, 0.1)[0]) == 0


def test_decode_rejects_an_output_that_does_not_fit_the_grid() -> None:
    g = AnchorGrid.for_input(64, 64)
    with pytest.raises(ValueError, match="84 anchors"):
        decode(np.zeros((100, 85), np.float32), g, 0.1)


def test_outputs_with_decode_in_the_graph_are_recognised_and_used_as_pixels() -> None:
    g = AnchorGrid.for_input(64, 64)
    raw = _raw(g)
    raw[:, 0] = np.random.default_rng(0).uniform(-0.5, 1.5, len(g))  # typical raw offsets
    assert not looks_decoded(raw)

    pixels = _raw(g)
    pixels[:, 0] = (g.gx + 0.5) * g.stride  # decoded centres spread over the input
    pixels[:, 1] = (g.gy + 0.5) * g.stride
    pixels[:, 2:4] = g.stride[:, None]
    assert looks_decoded(pixels)
    _set(pixels, 19, (28.0, 18.0, 16.0, 32.0), 0.9, {PERSON: 0.8})
    xyxy, scores, _ = decode(pixels, g, 0.5, decoded=True)
    np.testing.assert_allclose(xyxy, [[20, 2, 36, 34]], atol=1e-5)
    np.testing.assert_allclose(scores, [0.72], atol=1e-6)


def test_huge_log_sizes_do_not_overflow() -> None:
    g = AnchorGrid.for_input(64, 64)
    raw = _raw(g)
    _set(raw, 0, (0.0, 0.0, 200.0, 200.0), 0.9, {PERSON: 0.9})
    xyxy, _, _ = decode(raw, g, 0.1)
    assert np.isfinite(xyxy).all()
