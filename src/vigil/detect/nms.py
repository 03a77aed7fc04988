"""Class-aware non-maximum suppression.

Greedy NMS per class: boxes are visited by descending score, and a box is dropped
when its IoU with an already kept box of the same class is strictly greater than
the threshold. Boxes of different classes never suppress each other.

:func:`nms` runs OpenCV's ``NMSBoxesBatched`` (C++): on real YOLOX-Nano outputs of
vtest.avi it is about 3x faster than the NumPy :func:`nms_reference` (0.05 ms vs
0.16 ms per frame at score 0.1) and keeps the same boxes in the same order. The
reference stays as the readable definition the tests hold both to.
"""

from __future__ import annotations

import cv2
import numpy as np

from vigil.types import FloatArray, IntArray


def nms(xyxy: FloatArray, scores: FloatArray, class_ids: IntArray, iou_threshold: float) -> IntArray:
    """Indices of the boxes kept, highest score first.

    xyxy: (N, 4) float32 pixel boxes; scores: (N,) float32; class_ids: (N,) int64.
    """
    if len(xyxy) == 0:
        return np.zeros(0, np.int64)
    xywh = xyxy.astype(np.float64)
    xywh[:, 2:] -= xywh[:, :2]
    idx = cv2.dnn.NMSBoxesBatched(
        xywh, scores.astype(np.float32, copy=False), class_ids.astype(np.int32), -1.0, float(iou_threshold)
    )
    return np.asarray(idx, np.int64).reshape(-1)


def nms_reference(xyxy: FloatArray, scores: FloatArray, class_ids: IntArray, iou_threshold: float) -> IntArray:
    """The same greedy NMS in NumPy: one vectorised IoU step per kept box.

    Ties in score keep input order (stable sort).
    """
    if len(xyxy) == 0:
        return np.zeros(0, np.int64)
    b = xyxy.astype(np.float64)
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    area = np.maximum(x2 - x1, 0.0) * np.maximum(y2 - y1, 0.0)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        iw = np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest])
        ih = np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest])
        inter = np.maximum(iw, 0.0) * np.maximum(ih, 0.0)
        union = area[i] + area[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0.0)
        order = rest[(iou <= iou_threshold) | (class_ids[rest] != class_ids[i])]
    return np.asarray(keep, np.int64)
