"""``Counter``: how many people a frame's detections (or tracks) stand for.

The count is the calibrated count of the whole frame (see :mod:`vigil.count.calibration`).
A zone's count is the frame count apportioned by the zone's share of the counted
objects: people the detector missed are assumed to be spread like those it found, so
the counts of zones that partition the frame add up to the frame count.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from vigil.count.calibration import CountCalibration
from vigil.count.smoothing import CountSmoother, KalmanCountSmoother, Smoother
from vigil.detect.classes import PERSON
from vigil.types import Detections, Tracks

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.3  # without a calibration: the count of detections scoring at least this
DEFAULT_WINDOW = 2.0  # seconds of the median when the calibration has no noise model
BoolArray = npt.NDArray[np.bool_]


class Counter:
    """``count(objects, zone=None) -> float`` for one camera.

    calibration: the camera's :class:`CountCalibration` (None: count the objects scoring at
    least ``DEFAULT_THRESHOLD``). classes: COCO ids counted (default: person).

    Detections count when they score at least the calibration threshold. Tracks are
    already confirmed objects: each counts, including a coasting one (score 0). Fit the
    calibration on the same kind of input the counter gets at run time.
    """

    def __init__(self, calibration: CountCalibration | None = None, classes: Iterable[int] = (PERSON,)) -> None:
        self.calibration = calibration if calibration is not None else CountCalibration.identity(DEFAULT_THRESHOLD)
        self.classes = np.array(sorted(set(classes)), np.int64)
        if len(self.classes) == 0:
            raise ValueError("Counter needs at least one class to count")

    @property
    def threshold(self) -> float:
        return self.calibration.threshold

    def counted(self, objects: Detections | Tracks) -> BoolArray:
        """(N,) which objects are counted (class, and score for detections)."""
        mask = np.isin(objects.class_ids, self.classes)
        if isinstance(objects, Detections):
            mask &= objects.scores >= self.calibration.threshold
        return mask

    def count(self, objects: Detections | Tracks, zone: BoolArray | None = None) -> float:
        """People in the frame, or in ``zone``: an (N,) bool mask over ``objects`` (in the zone or not).

        Raises ValueError when ``zone`` does not have one entry per object.
        """
        counted = self.counted(objects)
        n = int(counted.sum())
        total = float(self.calibration.predict(n))
        if zone is None:
            return total
        z = np.asarray(zone, np.bool_).reshape(-1)
        if len(z) != len(objects):
            raise ValueError(f"zone mask has {len(z)} entries for {len(objects)} objects")
        if n == 0:
            return 0.0
        return total * int((counted & z).sum()) / n

    def raw_count(self, objects: Detections | Tracks) -> int:
        """The uncalibrated number of counted objects."""
        return int(self.counted(objects).sum())

    def smoother(self, window: float = DEFAULT_WINDOW) -> Smoother:
        """A new live smoother for one series of this counter's counts (the frame, or one zone).

        Kalman with the calibration's noise model when it has one, else the median over
        ``window`` seconds.
        """
        cal = self.calibration
        if cal.change_rate is not None and cal.noise is not None:
            return KalmanCountSmoother(cal.change_rate, cal.noise)
        return CountSmoother(window)
