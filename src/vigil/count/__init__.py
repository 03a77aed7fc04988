"""People counting in dense scenes: calibrated counts from detections, per zone, smoothed.

- :class:`Counter`: ``count(detections or tracks, zone mask or None) -> float``.
- :class:`CountCalibration`: a camera's ``count = slope * n(score >= t) + intercept``,
  fitted on a few labelled frames (:func:`fit_calibration`), saved as JSON.
- ``Counter.smoother()``: a live smoother for a count series (:class:`KalmanCountSmoother`
  with the calibration's noise model, else :class:`CountSmoother`, a median over seconds);
  :func:`rts_smooth` / :func:`smooth_series` for recorded series.
- :class:`CountingConfig`: the ``counting:`` config section (tiles, calibration file, smoothing).
- :func:`load_counting_dataset`: the shared labelled layout (``frames/`` + ``labels.csv``).
"""

import vigil.config  # noqa: F401  (vigil.config reads count.config: loading it first keeps the import order sound)
from vigil.count.calibration import CountCalibration, fit_calibration
from vigil.count.config import CountingConfig
from vigil.count.counter import Counter
from vigil.count.dataset import CountingDataset, load_counting_dataset
from vigil.count.smoothing import (
    CountSmoother,
    KalmanCountSmoother,
    Smoother,
    rts_smooth,
    smooth_series,
)

__all__ = [
    "CountCalibration",
    "CountSmoother",
    "Counter",
    "CountingConfig",
    "CountingDataset",
    "KalmanCountSmoother",
    "Smoother",
    "fit_calibration",
    "load_counting_dataset",
    "rts_smooth",
    "smooth_series",
]
