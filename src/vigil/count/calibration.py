"""Per-camera count calibration: true count from the number of detections.

A detector misses people (small, occluded) and finds some that are not there
(mannequins, reflections, fragments), at rates that depend on the camera. Over a
few labelled frames of one camera, the true count is close to linear in the number
of detections at or above a score threshold::

    count ~= slope * n(score >= threshold) + intercept

:func:`fit_calibration` picks the threshold among a few candidates by contiguous
k-fold cross-validation on the labelled frames (consecutive frames are strongly
correlated, so folds are blocks of time, not shuffled frames), then fits slope and
intercept by least squares on all of them.

Below the smallest detection count seen while fitting, the prediction is scaled
linearly down to 0 at 0 detections (an empty scene stays empty instead of reporting
the intercept).

Given the frames' times, the fit also measures what temporal smoothing needs
(:mod:`vigil.count.smoothing`): how fast the true count changes (``change_rate``,
people² per second, from the labels) and how noisy one frame's calibrated count is
(``noise``, people², the mean squared error on the calibration frames).

The calibration is saved as JSON next to the camera's config.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vigil.errors import ConfigError, OutputError

log = logging.getLogger(__name__)

FORMAT = "vigil-count-calibration"
VERSION = 1
# One low threshold by default: partly hidden people score 0.1-0.3, and the slope absorbs
# the false positives a low threshold lets in. Choosing among several candidates by
# cross-validation is available, but on Mall it picked 0.3-0.5 on the sparser early
# frames, which then undercounted the dense later ones (see the count eval notes).
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.1,)
CANDIDATE_THRESHOLDS: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
MIN_FRAMES_FOR_INTERCEPT = 5
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CountCalibration:
    """``count = slope * n + intercept`` with n the detections scoring at least ``threshold``.

    min_detections: the smallest n seen while fitting; below it the line is replaced by
    the segment from (0, 0) to (min_detections, prediction there). frames: labelled frames
    it was fitted on (0: not fitted, the identity). fit_mae: mean absolute error on those
    frames (in-sample). cv_mae: the cross-validated error that chose the threshold.
    change_rate / noise: the random-walk model of the count for Kalman smoothing (None
    when the fit had no times). setup: the detector setup it belongs to (model, input,
    tiles); a calibration only holds for detections made the same way.
    """

    threshold: float
    slope: float = 1.0
    intercept: float = 0.0
    min_detections: float = 0.0
    frames: int = 0
    fit_mae: float | None = None
    cv_mae: float | None = None
    change_rate: float | None = None
    noise: float | None = None
    setup: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"calibration threshold must be within [0, 1], got {self.threshold}")
        for name in ("slope", "intercept", "min_detections"):
            v = getattr(self, name)
            if not math.isfinite(v):
                raise ValueError(f"calibration {name} must be finite, got {v}")
        if self.slope < 0:
            raise ValueError(f"calibration slope must not be negative, got {self.slope}")
        if self.min_detections < 0:
            raise ValueError(f"calibration min_detections must not be negative, got {self.min_detections}")
        if self.change_rate is not None and not (math.isfinite(self.change_rate) and self.change_rate >= 0):
            raise ValueError(f"calibration change_rate must be a non-negative number, got {self.change_rate}")
        if self.noise is not None and not (math.isfinite(self.noise) and self.noise > 0):
            raise ValueError(f"calibration noise must be a positive number, got {self.noise}")

    @classmethod
    def identity(cls, threshold: float) -> CountCalibration:
        """No calibration: the count is the number of detections at or above ``threshold``."""
        return cls(threshold=threshold)

    @property
    def is_identity(self) -> bool:
        return self.slope == 1.0 and self.intercept == 0.0

    def predict(self, n: float | F64) -> F64:
        """Calibrated count(s) for ``n`` detections at or above the threshold (never negative)."""
        x = np.asarray(n, np.float64)
        line = self.slope * x + self.intercept
        knee = self.min_detections
        if knee > 0:
            at_knee = max(self.slope * knee + self.intercept, 0.0)
            line = np.where(x < knee, x * (at_knee / knee), line)
        return np.maximum(line, 0.0)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
        out.update(asdict(self))
        return out

    @classmethod
    def from_json(cls, data: Any, source: str = "calibration") -> CountCalibration:
        """Parse :meth:`to_json` output; ConfigError naming ``source`` and the field when malformed."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ConfigError(f"{source}: not a count calibration (expected \"format\": \"{FORMAT}\")")
        if data.get("version") != VERSION:
            raise ConfigError(f"{source}: count calibration version {data.get('version')!r} is not {VERSION}")
        known = set(cls.__dataclass_fields__)
        extra = sorted(set(data) - known - {"format", "version"})
        if extra:
            raise ConfigError(f"{source}: unknown field(s) {extra} in count calibration")
        if "threshold" not in data:
            raise ConfigError(f"{source}: count calibration has no 'threshold'")
        kwargs = {k: data[k] for k in known if k in data}
        for name in ("threshold", "slope", "intercept", "min_detections", "change_rate", "noise"):
            v = kwargs.get(name)
            if (v is not None or name == "threshold") and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise ConfigError(f"{source}: count calibration field '{name}' must be a number")
        if not isinstance(kwargs.get("setup", {}), dict):
            raise ConfigError(f"{source}: count calibration field 'setup' must be an object")
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{source}: {e}") from e

    def save(self, path: str | Path) -> Path:
        """Write as JSON (parent folders created). OutputError naming the file on failure."""
        p = Path(path)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"{p}: cannot write count calibration: {e}") from e
        return p

    @classmethod
    def load(cls, path: str | Path) -> CountCalibration:
        """Read a saved calibration. ConfigError naming the file when missing or malformed."""
        p = Path(path).expanduser()
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError as e:
            raise ConfigError(f"{p}: count calibration file does not exist") from e
        except OSError as e:
            raise ConfigError(f"{p}: cannot read count calibration: {e}") from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(f"{p}: count calibration is not valid JSON: {e}") from e
        return cls.from_json(data, str(p))


def counts_at(scores: Sequence[npt.ArrayLike], threshold: float) -> F64:
    """(F,) number of detections per frame scoring at least ``threshold``."""
    return np.array([np.count_nonzero(np.asarray(s) >= threshold) for s in scores], np.float64)


def _fit_line(x: F64, y: F64, intercept: bool) -> tuple[float, float]:
    """Least-squares slope (>= 0) and intercept (0 when not wanted or not determined)."""
    if intercept and len(x) >= 2 and np.ptp(x) > 0:
        slope, icpt = np.polyfit(x, y, 1)
        if slope >= 0:
            return float(slope), float(icpt)
        return 0.0, float(np.mean(y))
    denom = float(np.dot(x, x))
    return (float(np.dot(x, y) / denom) if denom > 0 else 1.0), 0.0


def _folds(n: int, k: int) -> list[npt.NDArray[np.int64]]:
    """``k`` contiguous blocks of ``range(n)``."""
    return [b for b in np.array_split(np.arange(n), k) if len(b)]


def cross_validated_mae(x: F64, y: F64, folds: int, intercept: bool = True) -> float:
    """Mean absolute error of the line fitted on the other blocks, over contiguous blocks."""
    errs = []
    for test in _folds(len(x), folds):
        train = np.setdiff1d(np.arange(len(x)), test)
        slope, icpt = _fit_line(x[train], y[train], intercept and len(train) >= MIN_FRAMES_FOR_INTERCEPT)
        errs.append(np.abs(slope * x[test] + icpt - y[test]))
    return float(np.mean(np.concatenate(errs)))


def _noise_model(times: npt.ArrayLike | None, y: F64, residual: F64) -> tuple[float | None, float | None]:
    """(change_rate, noise) of the count's random-walk model, or (None, None) without enough times."""
    if times is None or len(y) < 3:
        return None, None
    t = np.asarray(times, np.float64).reshape(-1)
    if len(t) != len(y):
        raise ValueError(f"calibration needs one time per labelled frame: {len(t)} vs {len(y)}")
    dt = np.diff(t)
    if np.any(dt < 0):
        raise ValueError("calibration frame times must not decrease")
    ok = dt > 0
    if not ok.any():
        return None, None
    change_rate = float(np.mean(np.diff(y)[ok] ** 2 / dt[ok]))
    noise = max(float(np.mean(residual**2)), 0.25)  # a count is never known better than to half a person
    return change_rate, noise


def fit_calibration(
    scores: Sequence[npt.ArrayLike],
    counts: npt.ArrayLike,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    *,
    folds: int = 5,
    intercept: bool = True,
    times: npt.ArrayLike | None = None,
    setup: dict[str, Any] | None = None,
) -> CountCalibration:
    """Fit a :class:`CountCalibration` on labelled frames.

    scores: per frame, the scores of the detections of the counted classes (any order).
    counts: (F,) true counts. thresholds: candidate score thresholds; the one with the
    lowest contiguous ``folds``-fold cross-validated MAE is kept (ties: the first). With
    fewer than 5 frames the line goes through the origin (slope only); with one candidate
    threshold no cross-validation is needed. times: (F,) increasing seconds of the frames;
    with them (and 3 frames or more) the smoothing model is measured too.
    """
    y = np.asarray(counts, np.float64).reshape(-1)
    if len(scores) != len(y):
        raise ValueError(f"calibration needs one score array per labelled frame: {len(scores)} vs {len(y)}")
    if len(y) == 0:
        raise ValueError("calibration needs at least one labelled frame")
    if not thresholds:
        raise ValueError("calibration needs at least one candidate threshold")
    use_intercept = intercept and len(y) >= MIN_FRAMES_FOR_INTERCEPT
    k = min(folds, len(y))
    best: tuple[float, float] | None = None
    cv: float | None = None
    if len(thresholds) > 1 and k >= 2:
        for t in thresholds:
            err = cross_validated_mae(counts_at(scores, t), y, k, use_intercept)
            log.debug("count calibration: threshold %.2f cross-validated MAE %.3f", t, err)
            if best is None or err < best[1] - 1e-12:
                best = (float(t), err)
        assert best is not None
        threshold, cv = best
    else:
        threshold = float(thresholds[0])
    x = counts_at(scores, threshold)
    if use_intercept and np.ptp(y) < 0.4 * max(float(np.mean(y)), 1.0):
        log.warning(
            "count calibration: the %d labelled frames hold %g-%g people, too narrow a range to tell the slope "
            "from the intercept; label frames with fewer and with more people",
            len(y), float(np.min(y)), float(np.max(y)),
        )
    slope, icpt = _fit_line(x, y, use_intercept)
    cal = CountCalibration(
        threshold=threshold,
        slope=slope,
        intercept=icpt,
        min_detections=float(x.min()),
        frames=len(y),
        cv_mae=cv,
        setup=dict(setup or {}),
    )
    residual = cal.predict(x) - y
    fit_mae = float(np.mean(np.abs(residual)))
    change_rate, noise = _noise_model(times, y, residual)
    cal = CountCalibration(**{**asdict(cal), "fit_mae": fit_mae, "change_rate": change_rate, "noise": noise})
    log.info(
        "count calibration on %d frames: threshold %.2f, count = %.3f * n %+.2f (MAE %.2f in-sample%s)",
        len(y), threshold, slope, icpt, fit_mae, "" if cv is None else f", {cv:.2f} cross-validated",
    )
    return cal
