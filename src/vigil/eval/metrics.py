"""MOT metrics (HOTA, CLEAR MOT, Identity) computed by TrackEval's own metric classes.

We build in memory the per-sequence ``data`` dict that TrackEval's metrics consume,
exactly as ``trackeval.datasets.MotChallenge2DBox`` does for BENCHMARK='MOT15':

- ground-truth rows whose conf column, truncated to int, is 0 are dropped (TrackEval's
  ``zero_marked``); MOT15 has no classes, so no class or distractor filtering happens;
- tracker rows are all kept (TrackEval does no MOT15 preprocessing of predictions);
- similarity is box IoU (``xywh`` boxes), ids are relabelled to contiguous 0..K-1;
- a row outside frames 1..num_frames, or an id twice in one frame, is an error.

Scores are TrackEval's: HOTA/DetA/AssA/LocA are the means over its 19 alpha thresholds
(0.05..0.95), CLEAR and Identity use IoU >= 0.5. Combined scores come from each
metric's ``combine_sequences`` (what TrackEval prints as COMBINED).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from trackeval.metrics import CLEAR, HOTA, Identity

from vigil.errors import DatasetError

MotRows = npt.NDArray[np.float64]
"""(N, >=7) MOT rows: frame, id, left, top, width, height, conf, ..."""

_EPS = float(np.finfo("float").eps)


@dataclass(frozen=True)
class MotScores:
    """Scores for one sequence or a combination. Ratios are fractions (1.0 = perfect)."""

    HOTA: float
    DetA: float
    AssA: float
    LocA: float
    MOTA: float
    MOTP: float
    IDF1: float
    IDP: float
    IDR: float
    recall: float
    precision: float
    IDSW: int
    FP: int
    FN: int
    TP: int
    Frag: int
    MT: int
    PT: int
    ML: int
    num_frames: int
    num_gt_dets: int
    num_gt_ids: int
    num_pred_dets: int
    num_pred_ids: int

    def to_json(self) -> dict[str, float | int]:
        """Plain numbers for JSON (floats rounded to 6 places)."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class RawMetrics:
    """TrackEval's per-sequence result dicts, kept so sequences can be combined later."""

    hota: dict[str, Any]
    clear: dict[str, Any]
    identity: dict[str, Any]
    num_frames: int
    num_gt_dets: int
    num_gt_ids: int
    num_pred_dets: int
    num_pred_ids: int


def _metrics(iou_threshold: float) -> tuple[HOTA, CLEAR, Identity]:
    cfg = {"THRESHOLD": iou_threshold, "PRINT_CONFIG": False}
    return HOTA(), CLEAR(dict(cfg)), Identity(dict(cfg))


def box_iou_xywh(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """IoU matrix (len(a), len(b)) of ``left, top, width, height`` boxes, as TrackEval computes it."""
    a1 = np.concatenate([a[:, :2], a[:, :2] + a[:, 2:4]], axis=1)
    b1 = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:4]], axis=1)
    lo = np.maximum(a1[:, None, :2], b1[None, :, :2])
    hi = np.minimum(a1[:, None, 2:], b1[None, :, 2:])
    inter = np.prod(np.maximum(hi - lo, 0.0), axis=2)
    area_a = (a1[:, 2] - a1[:, 0]) * (a1[:, 3] - a1[:, 1])
    area_b = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    inter[area_a <= _EPS, :] = 0
    inter[:, area_b <= _EPS] = 0
    inter[union <= _EPS] = 0
    union[union <= _EPS] = 1
    return np.asarray(inter / union, dtype=np.float64)


def _split_by_frame(rows: MotRows, num_frames: int, what: str) -> list[MotRows]:
    rows = np.asarray(rows, dtype=np.float64)
    if rows.size == 0:
        return [np.zeros((0, 7)) for _ in range(num_frames)]
    if rows.ndim != 2 or rows.shape[1] < 7:
        raise DatasetError(f"{what}: expected (N, >=7) MOT rows, got shape {rows.shape}")
    frames = rows[:, 0].astype(np.int64)
    bad = (frames < 1) | (frames > num_frames)
    if bad.any():
        shown = sorted(set(frames[bad].tolist()))[:5]
        raise DatasetError(f"{what}: rows in frames {shown} lie outside 1..{num_frames}")
    order = np.argsort(frames, kind="stable")
    rows, frames = rows[order], frames[order]
    starts = np.searchsorted(frames, np.arange(1, num_frames + 2))
    return [rows[starts[t] : starts[t + 1]] for t in range(num_frames)]


def _relabel(per_frame: list[npt.NDArray[np.int64]]) -> tuple[list[npt.NDArray[np.int64]], int]:
    """Map ids to 0..K-1 in sorted order, as TrackEval does."""
    nonempty = [ids for ids in per_frame if len(ids)]
    if not nonempty:
        return per_frame, 0
    unique = np.unique(np.concatenate(nonempty))
    return [np.searchsorted(unique, ids).astype(np.int64) for ids in per_frame], len(unique)


def _check_unique(per_frame: list[npt.NDArray[np.int64]], what: str) -> None:
    for t, ids in enumerate(per_frame):
        if len(ids) != len(np.unique(ids)):
            vals, counts = np.unique(ids, return_counts=True)
            raise DatasetError(f"{what}: frame {t + 1} has id(s) {vals[counts > 1].tolist()} more than once")


def build_trackeval_data(
    gt_rows: MotRows, pred_rows: MotRows, num_frames: int, name: str = "sequence"
) -> dict[str, Any]:
    """The ``data`` dict TrackEval's metrics take (MotChallenge2DBox MOT15 preprocessing)."""
    if num_frames <= 0:
        raise DatasetError(f"{name}: num_frames must be positive, got {num_frames}")
    gt_frames = _split_by_frame(gt_rows, num_frames, f"{name} ground truth")
    pred_frames = _split_by_frame(pred_rows, num_frames, f"{name} tracker output")
    gt_ids_raw = [g[:, 1].astype(np.int64) for g in gt_frames]
    pred_ids_raw = [p[:, 1].astype(np.int64) for p in pred_frames]
    # TrackEval checks uniqueness on the raw data, before dropping zero-marked gt.
    _check_unique(gt_ids_raw, f"{name} ground truth")
    _check_unique(pred_ids_raw, f"{name} tracker output")

    gt_ids: list[npt.NDArray[np.int64]] = []
    sims: list[npt.NDArray[np.float64]] = []
    for g, gids, p in zip(gt_frames, gt_ids_raw, pred_frames, strict=True):
        keep = g[:, 6].astype(np.int64) != 0  # TrackEval: zero_marked = conf.astype(int)
        gt_ids.append(gids[keep])
        sims.append(box_iou_xywh(g[keep, 2:6], p[:, 2:6]))
    gt_ids, num_gt_ids = _relabel(gt_ids)
    pred_ids, num_pred_ids = _relabel(pred_ids_raw)
    return {
        "num_timesteps": num_frames,
        "seq": name,
        "gt_ids": gt_ids,
        "tracker_ids": pred_ids,
        "similarity_scores": sims,
        "num_gt_ids": num_gt_ids,
        "num_tracker_ids": num_pred_ids,
        "num_gt_dets": int(sum(len(i) for i in gt_ids)),
        "num_tracker_dets": int(sum(len(i) for i in pred_ids)),
    }


def _scores(
    hota: dict[str, Any], clear: dict[str, Any], ident: dict[str, Any], num_frames: int, n: tuple[int, int, int, int]
) -> MotScores:
    return MotScores(
        HOTA=float(np.mean(hota["HOTA"])),
        DetA=float(np.mean(hota["DetA"])),
        AssA=float(np.mean(hota["AssA"])),
        LocA=float(np.mean(hota["LocA"])),
        MOTA=float(clear["MOTA"]),
        MOTP=float(clear["MOTP"]),
        IDF1=float(ident["IDF1"]),
        IDP=float(ident["IDP"]),
        IDR=float(ident["IDR"]),
        recall=float(clear["CLR_Re"]),
        precision=float(clear["CLR_Pr"]),
        IDSW=int(clear["IDSW"]),
        FP=int(clear["CLR_FP"]),
        FN=int(clear["CLR_FN"]),
        TP=int(clear["CLR_TP"]),
        Frag=int(clear["Frag"]),
        MT=int(clear["MT"]),
        PT=int(clear["PT"]),
        ML=int(clear["ML"]),
        num_frames=num_frames,
        num_gt_dets=n[0],
        num_gt_ids=n[1],
        num_pred_dets=n[2],
        num_pred_ids=n[3],
    )


def evaluate_sequence(
    gt_rows: MotRows, pred_rows: MotRows, num_frames: int, *, name: str = "sequence", iou_threshold: float = 0.5
) -> tuple[MotScores, RawMetrics]:
    """Score one sequence's tracker rows against its ground truth.

    gt_rows, pred_rows: MOT rows (frame, id, left, top, width, height, conf, ...), frames 1..num_frames.
    iou_threshold: the CLEAR/Identity match threshold (HOTA always sweeps 0.05..0.95).
    Returns the scores and the raw TrackEval results for :func:`combine`.
    """
    data = build_trackeval_data(gt_rows, pred_rows, num_frames, name)
    m_hota, m_clear, m_id = _metrics(iou_threshold)
    hota = m_hota.eval_sequence(data)
    clear = m_clear.eval_sequence(data)
    ident = m_id.eval_sequence(data)
    n = (data["num_gt_dets"], data["num_gt_ids"], data["num_tracker_dets"], data["num_tracker_ids"])
    raw = RawMetrics(hota, clear, ident, num_frames, *n)
    return _scores(hota, clear, ident, num_frames, n), raw


def combine(raws: Sequence[RawMetrics], iou_threshold: float = 0.5) -> MotScores:
    """Scores over several sequences, combined by TrackEval's ``combine_sequences`` per metric."""
    if not raws:
        raise DatasetError("no sequences to combine")
    m_hota, m_clear, m_id = _metrics(iou_threshold)
    hota = m_hota.combine_sequences({str(i): r.hota for i, r in enumerate(raws)})
    clear = m_clear.combine_sequences({str(i): r.clear for i, r in enumerate(raws)})
    ident = m_id.combine_sequences({str(i): r.identity for i, r in enumerate(raws)})
    n = (
        sum(r.num_gt_dets for r in raws),
        sum(r.num_gt_ids for r in raws),
        sum(r.num_pred_dets for r in raws),
        sum(r.num_pred_ids for r in raws),
    )
    return _scores(hota, clear, ident, sum(r.num_frames for r in raws), n)
