"""Association primitives: IoU matrix, direction consistency, gated linear assignment.

All functions are vectorised over (tracks x detections) and take xyxy boxes.
"""

from __future__ import annotations

import lap
import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Cost given to forbidden pairs (far above any cost limit).
FORBIDDEN = 1e6


def iou_matrix(a: F64, b: F64) -> F64:
    """(N, M) intersection over union of boxes ``a`` (N, 4) and ``b`` (M, 4)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    wh = np.minimum(a[:, None, 2:], b[None, :, 2:]) - np.maximum(a[:, None, :2], b[None, :, :2])
    np.maximum(wh, 0.0, out=wh)
    inter = wh[..., 0] * wh[..., 1]
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    out: F64 = inter / np.maximum(union, 1e-9)
    return out


def direction_cosine(track_dir: F64, origin: F64, det_xy: F64) -> F64:
    """(N, M) cosine between each track's motion direction and the way to each detection.

    track_dir: (N, 2) unit vectors (zero when unknown); origin: (N, 2) points the way to
    a detection is measured from (the track's earlier observation); det_xy: (M, 2)
    detection centres. Entries are 0 where the track has no direction.
    """
    d = det_xy[None, :, :] - origin[:, None, :]
    dot = (d * track_dir[:, None, :]).sum(axis=2)
    out: F64 = dot / (np.sqrt((d * d).sum(axis=2)) + 1e-6)
    return out


def linear_assignment(cost: F64, cost_limit: float) -> I64:
    """Minimum-cost matching; pairs costing ``cost_limit`` or more are never made.

    Leaving a row and a column unmatched costs ``cost_limit``, so a pair is worth
    ``cost_limit - cost``: one good match is preferred to two poor ones.
    Returns the matches as (K, 2) [row, col] pairs, rows ascending.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros((0, 2), np.int64)
    ok = cost < cost_limit
    if (ok.sum(axis=0) <= 1).all() and (ok.sum(axis=1) <= 1).all():
        # No row or column has a choice: the allowed pairs are the matching (the common case).
        return np.argwhere(ok)
    _, x, _ = lap.lapjv(cost, extend_cost=True, cost_limit=cost_limit)
    rows = np.flatnonzero(x >= 0)
    out = np.empty((len(rows), 2), np.int64)
    out[:, 0] = rows
    out[:, 1] = x[rows]
    return out
