"""IoU matrix and gated linear assignment."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.track.matching import FORBIDDEN, direction_cosine, iou_matrix, linear_assignment


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
        ([0, 0, 10, 10], [20, 20, 30, 30], 0.0),
        ([0, 0, 10, 10], [5, 0, 15, 10], 50.0 / 150.0),
        ([0, 0, 10, 10], [2, 2, 8, 8], 36.0 / 100.0),
        ([0, 0, 10, 10], [10, 0, 20, 10], 0.0),  # touching edges
        ([0, 0, 0, 0], [0, 0, 0, 0], 0.0),  # degenerate boxes do not divide by zero
    ],
)
def test_iou_values(a: list[float], b: list[float], expected: float) -> None:
    iou = iou_matrix(np.array([a], float), np.array([b], float))
    assert iou.shape == (1, 1)
    assert iou[0, 0] == pytest.approx(expected)


def test_iou_matrix_shape_and_symmetry() -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, (5, 2))
    a = np.concatenate([xy, xy + rng.uniform(5, 30, (5, 2))], axis=1)
    b = a[:3] + 3.0
    m = iou_matrix(a, b)
    assert m.shape == (5, 3)
    np.testing.assert_allclose(m, iou_matrix(b, a).T)
    assert iou_matrix(a, np.zeros((0, 4))).shape == (5, 0)


@pytest.mark.parametrize(
    ("cost", "limit", "matches", "rows_left", "cols_left"),
    [
        # the cheapest overall pairing wins
        ([[0.1, 0.5], [0.4, 0.2]], 1.0, [[0, 0], [1, 1]], [], []),
        ([[0.5, 0.1], [0.2, 0.4]], 1.0, [[0, 1], [1, 0]], [], []),
        # pairs at or above the limit are never made
        ([[0.1, 0.9], [0.9, 0.95]], 0.8, [[0, 0]], [1], [1]),
        # forbidden pairs are never made, even when nothing else is possible
        ([[FORBIDDEN, 0.3]], 1.0, [[0, 1]], [], [0]),
        ([[FORBIDDEN]], 1.0, [], [0], [0]),
        # one good match beats two poor ones
        ([[0.1, 0.7], [0.7, FORBIDDEN]], 0.8, [[0, 0]], [1], [1]),
        # more detections than tracks
        ([[0.3, 0.1, 0.2]], 1.0, [[0, 1]], [], [0, 2]),
    ],
)
def test_linear_assignment(
    cost: list[list[float]], limit: float, matches: list[list[int]], rows_left: list[int], cols_left: list[int]
) -> None:
    m = linear_assignment(np.array(cost), limit)
    assert m.dtype == np.int64 and m.shape[1] == 2
    assert m.tolist() == matches
    assert sorted(set(range(len(cost))) - set(m[:, 0].tolist())) == rows_left
    assert sorted(set(range(len(cost[0]))) - set(m[:, 1].tolist())) == cols_left


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_linear_assignment_empty(shape: tuple[int, int]) -> None:
    m = linear_assignment(np.zeros(shape), 1.0)
    assert m.shape == (0, 2) and m.dtype == np.int64


def test_direction_cosine() -> None:
    direction = np.array([[1.0, 0.0], [0.0, 0.0]])
    origin = np.array([[0.0, 0.0], [0.0, 0.0]])
    dets = np.array([[10.0, 0.0], [-10.0, 0.0], [0.0, 10.0]])  # right, left, down
    cos = direction_cosine(direction, origin, dets)
    np.testing.assert_allclose(cos[0], [1.0, -1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(cos[1], [0.0, 0.0, 0.0])
