"""Decode the raw YOLOX head output into boxes, scores and class ids.

A YOLOX ONNX export (``decode_in_inference=False``, the release assets) gives one row
per anchor, ``[dx, dy, log_w, log_h, obj, cls_0 .. cls_{C-1}]``, for the stride-8, -16
and -32 grids in that order, each row-major (y, then x). ``obj`` and the class scores
are already sigmoid-ed; the box is raw::

    cx = (dx + grid_x) * stride        w = exp(log_w) * stride
    cy = (dy + grid_y) * stride        h = exp(log_h) * stride

in pixels of the network input. Score = obj * class score. Exports made with the
decode inside the graph already hold ``cx, cy, w, h`` in input pixels
(:func:`looks_decoded` tells them apart).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.types import FloatArray, IntArray

STRIDES: tuple[int, ...] = (8, 16, 32)
BOX_COLUMNS = 5  # dx, dy, log_w, log_h, obj
_MAX_LOG_SIZE = 20.0  # exp() above this overflows float32 once multiplied by a stride

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class AnchorGrid:
    """Grid cell and stride of every anchor of a YOLOX head, in output order.

    gx, gy, stride: (A,) float32 each. height, width: the network input in pixels.
    """

    gx: FloatArray
    gy: FloatArray
    stride: FloatArray
    height: int
    width: int

    @classmethod
    def for_input(cls, height: int, width: int, strides: tuple[int, ...] = STRIDES) -> AnchorGrid:
        """The anchors of a ``height`` x ``width`` input (both multiples of the largest stride)."""
        gxs, gys, ss = [], [], []
        for s in strides:
            ny, nx = height // s, width // s
            yv, xv = np.meshgrid(np.arange(ny, dtype=np.float32), np.arange(nx, dtype=np.float32), indexing="ij")
            gxs.append(xv.reshape(-1))
            gys.append(yv.reshape(-1))
            ss.append(np.full(ny * nx, s, np.float32))
        return cls(np.concatenate(gxs), np.concatenate(gys), np.concatenate(ss), height, width)

    def __len__(self) -> int:
        return len(self.stride)


def looks_decoded(raw: FloatArray) -> bool:
    """Whether ``raw`` (A, 5 + C) already holds pixel boxes rather than grid offsets.

    Raw offsets ``dx`` sit around 0..1 for nearly every anchor; decoded centres ``cx``
    spread over the input width (median about half of it, at least 4 px even for a
    64 px input). The median is robust to the few anchors that hold objects.
    """
    return bool(np.median(np.abs(raw[:, 0])) > 4.0)


def decode(
    raw: FloatArray,
    grid: AnchorGrid,
    score_threshold: float,
    class_mask: BoolArray | None = None,
    decoded: bool = False,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Boxes, scores and classes of the anchors that pass ``score_threshold``.

    raw: (A, 5 + C) float32 head output for one image. class_mask: (C,) bool, the
    classes to keep (None keeps all). Each anchor takes its best class over all C
    (an anchor that is mostly "dog" is not reported as a "person"), and is kept when
    that class is wanted and obj * class score >= ``score_threshold``.

    Returns xyxy (N, 4) float32 in network-input pixels, scores (N,) float32 and
    class_ids (N,) int64. Anchors are filtered on obj first (score <= obj), so only
    the few candidates are decoded.
    """
    if raw.ndim != 2 or raw.shape[0] != len(grid) or raw.shape[1] <= BOX_COLUMNS:
        raise ValueError(f"raw output shape {raw.shape} does not fit {len(grid)} anchors x (5 + classes)")
    idx = np.flatnonzero(raw[:, 4] >= score_threshold)
    cand = raw[idx]
    cls = cand[:, BOX_COLUMNS:]
    class_ids = cls.argmax(axis=1)
    scores = cls[np.arange(len(cand)), class_ids] * cand[:, 4]
    keep = scores >= score_threshold
    if class_mask is not None:
        keep &= class_mask[class_ids]
    cand, idx, scores, class_ids = cand[keep], idx[keep], scores[keep], class_ids[keep]

    if decoded:
        cx, cy, w, h = cand[:, 0], cand[:, 1], cand[:, 2], cand[:, 3]
    else:
        s = grid.stride[idx]
        cx = (cand[:, 0] + grid.gx[idx]) * s
        cy = (cand[:, 1] + grid.gy[idx]) * s
        w = np.exp(np.minimum(cand[:, 2], _MAX_LOG_SIZE)) * s
        h = np.exp(np.minimum(cand[:, 3], _MAX_LOG_SIZE)) * s
    xyxy = np.empty((len(cand), 4), np.float32)
    xyxy[:, 0] = cx - 0.5 * w
    xyxy[:, 1] = cy - 0.5 * h
    xyxy[:, 2] = cx + 0.5 * w
    xyxy[:, 3] = cy + 0.5 * h
    return xyxy, scores.astype(np.float32, copy=False), class_ids.astype(np.int64, copy=False)
