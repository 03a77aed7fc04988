"""Counting evaluation: MAE and RMSE of per-frame counts on labelled datasets.

Protocol (the Mall one): a calibration is learned on labelled frames that are then
never scored. Either a separate training dataset (``train``), or the first
``calibrate_frames`` frames of each dataset, with the rest scored. The detector runs
once per frame; calibration and scoring reuse those detections.

The per-frame prediction is the calibrated count (see :mod:`vigil.count.calibration`),
then smoothed over time with the whole series at hand (offline): Kalman/RTS with the
noise model measured on the calibration frames, or a centred median/mean window.
Frames' times come from the dataset's ``time`` column, else its frame numbers at
``fps``; the Kalman model is measured and applied on the same clock, so a wrong
nominal ``fps`` does not change its result.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from vigil.count.calibration import (
    DEFAULT_THRESHOLDS,
    CountCalibration,
    counts_at,
    fit_calibration,
)
from vigil.count.dataset import CountingDataset
from vigil.count.smoothing import rts_smooth, smooth_series
from vigil.detect.base import Detector
from vigil.detect.classes import PERSON
from vigil.errors import DatasetError

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
DEFAULT_FPS = 2.0  # nominal rate of a dataset without a time column (Mall: "< 2 Hz")


def mae(pred: npt.ArrayLike, truth: npt.ArrayLike) -> float:
    """Mean absolute error (NaN for no frames)."""
    e = np.asarray(pred, np.float64) - np.asarray(truth, np.float64)
    return float(np.mean(np.abs(e))) if e.size else math.nan


def rmse(pred: npt.ArrayLike, truth: npt.ArrayLike) -> float:
    """Root mean squared error (NaN for no frames)."""
    e = np.asarray(pred, np.float64) - np.asarray(truth, np.float64)
    return float(np.sqrt(np.mean(e * e))) if e.size else math.nan


@dataclass(frozen=True, slots=True)
class FrameScores:
    """One dataset's detections, reduced to what counting needs.

    scores: per frame, (K,) float32 scores of the counted classes' detections.
    ms_per_frame: detector wall time (ms) per frame, image decoding excluded.
    """

    scores: list[F32]
    ms_per_frame: float


def detect_scores(
    detector: Detector,
    dataset: CountingDataset,
    classes: Sequence[int] = (PERSON,),
    progress: Callable[[int, int], None] | None = None,
) -> FrameScores:
    """Run ``detector`` on every frame of ``dataset``; keep the scores of ``classes``."""
    wanted = np.asarray(classes, np.int64)
    out: list[F32] = []
    spent = 0.0
    for i in range(len(dataset)):
        image = dataset.image(i)
        t0 = time.perf_counter()
        dets = detector.detect(image)
        spent += time.perf_counter() - t0
        out.append(dets.scores[np.isin(dets.class_ids, wanted)].astype(np.float32))
        if progress is not None:
            progress(i + 1, len(dataset))
    return FrameScores(out, 1000.0 * spent / max(len(dataset), 1))


@dataclass(frozen=True, slots=True)
class CountResult:
    """One dataset's score.

    predicted / truth: (S,) counts of the scored frames; raw_*: before smoothing.
    """

    name: str
    mae: float
    rmse: float
    raw_mae: float
    raw_rmse: float
    frames_scored: int
    calibration_frames: int
    calibration_source: str
    ms_per_frame: float
    method: str
    calibration: CountCalibration
    frames: npt.NDArray[np.int64] = field(repr=False)
    predicted: F64 = field(repr=False)
    truth: F64 = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "mae": round(self.mae, 4),
            "rmse": round(self.rmse, 4),
            "mae_unsmoothed": round(self.raw_mae, 4),
            "rmse_unsmoothed": round(self.raw_rmse, 4),
            "frames_scored": self.frames_scored,
            "calibration_frames": self.calibration_frames,
            "calibration_source": self.calibration_source,
            "ms_per_frame": round(self.ms_per_frame, 2),
            "method": self.method,
            "calibration": self.calibration.to_json(),
        }


@dataclass(frozen=True, slots=True)
class CountProtocol:
    """How a dataset is split and counted.

    calibrate_frames: the first frames of each dataset that calibrate (when no training
    set is given); 0 scores every frame with ``calibration`` or the identity count at
    ``uncalibrated_threshold``. smoothing: "kalman" (needs a calibration with a noise
    model, else falls back to "median"), "median", "mean" or "off"; window: seconds of the
    median/mean. fps: nominal frame rate of datasets without times.
    """

    calibrate_frames: int = 100
    thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS
    smoothing: str = "kalman"
    window: float = 2.0
    fps: float = DEFAULT_FPS
    uncalibrated_threshold: float = 0.3
    setup: dict[str, Any] = field(default_factory=dict)


SMOOTHING = ("kalman", "median", "mean", "off")


def _calibrate(scores: Sequence[F32], counts: F64, times: F64, protocol: CountProtocol) -> CountCalibration:
    return fit_calibration(scores, counts, protocol.thresholds, times=times, setup=protocol.setup)


def smooth_counts(times: F64, raw: F64, cal: CountCalibration, protocol: CountProtocol) -> tuple[F64, str]:
    """The smoothed series and a description of the smoothing used."""
    kind = protocol.smoothing
    if kind not in SMOOTHING:
        raise ValueError(f"smoothing must be one of {', '.join(SMOOTHING)}, got {kind!r}")
    if kind == "kalman":
        if cal.change_rate is not None and cal.noise is not None:
            out = rts_smooth(times, raw, cal.change_rate, cal.noise)
            return out, f"Kalman/RTS (change {cal.change_rate:.2f}/s, noise {cal.noise:.2f})"
        kind = "median"  # no noise model without labelled frames
    if kind == "off" or protocol.window <= 0:
        return raw.copy(), "no smoothing"
    out = smooth_series(times, raw, protocol.window, centered=True, method=kind)  # type: ignore[arg-type]
    return out, f"{kind} over {protocol.window:g} s (centred)"


def score_dataset(
    dataset: CountingDataset,
    scores: FrameScores,
    protocol: CountProtocol,
    calibration: CountCalibration | None = None,
    calibration_source: str | None = None,
    layout: str = "",
) -> CountResult:
    """Calibrate (unless ``calibration`` is given) and score one dataset whose detections are ``scores``."""
    n = len(dataset)
    if calibration is not None:
        start, cal = 0, calibration
        source = calibration_source or "given"
        cal_frames = cal.frames
    elif protocol.calibrate_frames > 0:
        start = protocol.calibrate_frames
        if start >= n:
            raise DatasetError(
                f"{dataset.root}: {n} labelled frames leave none to score after calibrating on the first {start} "
                f"(use fewer calibration frames or a separate training set)"
            )
        times = dataset.frame_times(protocol.fps)
        cal = _calibrate(scores.scores[:start], dataset.counts[:start], times[:start], protocol)
        source = f"first {start} frames"
        cal_frames = start
    else:
        start, cal = 0, CountCalibration.identity(protocol.uncalibrated_threshold)
        source = "none"
        cal_frames = 0
    raw = cal.predict(counts_at(scores.scores, cal.threshold))
    smooth, smoothing = smooth_counts(dataset.frame_times(protocol.fps), raw, cal, protocol)
    truth = dataset.counts[start:]
    method = _method(layout, cal, smoothing)
    result = CountResult(
        name=dataset.name,
        mae=mae(smooth[start:], truth),
        rmse=rmse(smooth[start:], truth),
        raw_mae=mae(raw[start:], truth),
        raw_rmse=rmse(raw[start:], truth),
        frames_scored=n - start,
        calibration_frames=cal_frames,
        calibration_source=source,
        ms_per_frame=scores.ms_per_frame,
        method=method,
        calibration=cal,
        frames=dataset.frames[start:],
        predicted=smooth[start:],
        truth=truth,
    )
    log.info(
        "%s: MAE %.2f RMSE %.2f on %d frames (unsmoothed MAE %.2f), %.1f ms/frame",
        dataset.name, result.mae, result.rmse, result.frames_scored, result.raw_mae, result.ms_per_frame,
    )
    return result


def _method(layout: str, cal: CountCalibration, smoothing: str) -> str:
    parts = [layout] if layout else []
    if cal.is_identity:
        parts.append(f"count of detections scoring >= {cal.threshold:g}")
    else:
        parts.append(f"count = {cal.slope:.3f} * n(score >= {cal.threshold:g}) {cal.intercept:+.2f}")
    parts.append(smoothing)
    return "; ".join(parts)


def evaluate_counting(
    datasets: Sequence[CountingDataset],
    detector: Detector,
    protocol: CountProtocol,
    *,
    train: CountingDataset | None = None,
    calibration: CountCalibration | None = None,
    classes: Sequence[int] = (PERSON,),
    layout: str = "",
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[CountResult], CountCalibration | None]:
    """Score every dataset; returns the results and the calibration learned on ``train`` (if any).

    train: labelled frames that calibrate, all of them; every frame of each dataset is then
    scored. calibration: a ready calibration (scores every frame). Otherwise each dataset
    calibrates on its own first ``protocol.calibrate_frames`` frames.
    """
    if train is not None and calibration is not None:
        raise ValueError("give either a training dataset or a calibration, not both")

    def bar(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda i, n: progress(name, i, n)

    fitted: CountCalibration | None = None
    source = None
    if train is not None:
        train_scores = detect_scores(detector, train, classes, bar(train.name))
        fitted = _calibrate(train_scores.scores, train.counts, train.frame_times(protocol.fps), protocol)
        calibration, source = fitted, f"{train.root} ({len(train)} frames)"
    elif calibration is not None:
        source = "given calibration"
    results = []
    for ds in datasets:
        scores = detect_scores(detector, ds, classes, bar(ds.name))
        results.append(score_dataset(ds, scores, protocol, calibration, source, layout))
    return results, fitted
