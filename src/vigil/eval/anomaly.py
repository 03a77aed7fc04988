"""Anomaly-detection metrics: frame-level ROC AUC and average precision, event delays and false alarms.

All plain NumPy/SciPy (no scikit-learn); the definitions match scikit-learn's
``roc_auc_score`` (ties count one half) and ``average_precision_score`` (step-wise
precision-recall, one step per distinct score).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

F64 = npt.NDArray[np.float64]
Labels = npt.ArrayLike


def roc_auc(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney U / (P*N)); NaN when only one class is present."""
    y = np.asarray(labels).astype(bool).ravel()
    s = np.asarray(scores, np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels ({y.size}) and scores ({s.size}) differ in length")
    pos = int(y.sum())
    neg = y.size - pos
    if pos == 0 or neg == 0:
        return math.nan
    ranks = rankdata(s)
    return float((ranks[y].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def average_precision(labels: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Average precision: sum over distinct score thresholds of (recall step) x precision; NaN without positives."""
    y = np.asarray(labels).astype(bool).ravel()
    s = np.asarray(scores, np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels ({y.size}) and scores ({s.size}) differ in length")
    pos = int(y.sum())
    if pos == 0:
        return math.nan
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.nonzero(np.diff(s))[0], y.size - 1]  # last index of each group of equal scores
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def runs(labels: Labels) -> list[tuple[int, int]]:
    """[start, end) index ranges of consecutive 1s."""
    y = np.asarray(labels).astype(np.int8).ravel()
    edges = np.diff(np.r_[0, y, 0])
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class Interval:
    """An event from ``start`` to ``end`` (stream seconds; end is inf while still open)."""

    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Detection:
    """One labelled abnormal run and the first event that detects it.

    onset_frame: first abnormal frame (labels' numbering). delay: event start minus the
    labelled onset time in seconds (negative: the event started first, at most ``early``
    seconds before); None when no event starts in that span.
    """

    onset_frame: int
    onset_t: float
    delay: float | None


def event_delays(
    frames: Sequence[int], times: F64, labels: Labels, events: Sequence[Interval], early: float = 0.0
) -> list[Detection]:
    """For each abnormal run of one clip: the delay of the first event starting between
    ``early`` seconds before its onset and its last frame (an event that began long before,
    such as a gathering, does not detect a later onset)."""
    out = []
    for a, b in runs(labels):
        t0, t1 = float(times[a]), float(times[b - 1])
        hit = sorted((e for e in events if t0 - early <= e.start <= t1), key=lambda e: e.start)
        delay = (hit[0].start - t0) if hit else None
        out.append(Detection(int(frames[a]), t0, None if delay is None else round(delay, 4)))
    return out


def false_alarms(times: F64, labels: Labels, events: Sequence[Interval]) -> int:
    """Events that overlap no abnormal frame."""
    y = np.asarray(labels).astype(bool)
    abnormal_t = np.asarray(times, np.float64)[y]
    n = 0
    for e in events:
        if not np.any((abnormal_t >= e.start) & (abnormal_t <= e.end)):
            n += 1
    return n


def onset_tolerant_mask(times: F64, labels: Labels, tolerance: float) -> npt.NDArray[np.bool_]:
    """Frames kept when the ``tolerance`` seconds of normal frames before each labelled onset are left out.

    Labels that come from burned-in captions start when the caption appears, which can be
    a second after people visibly start running; those frames are neither clearly normal
    nor abnormal.
    """
    t = np.asarray(times, np.float64)
    keep = np.ones(t.size, bool)
    for a, _ in runs(labels):
        keep &= ~((t >= t[a] - tolerance) & (t < t[a]))
    return keep
