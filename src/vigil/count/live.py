"""Live people counts for occupancy and overcrowding: calibrated, per zone, smoothed, at a low rate.

In a dense scene a small detector on the whole frame misses the people at the back, and
the tracker holds fewer still; occupancy counted from tracks is then far too low. A camera
that opts in (``counting: {occupancy: true}``) gets its occupancy and overcrowding from the
counting setup instead (:mod:`vigil.count`: tiles, the camera's count calibration, Kalman
or median smoothing). The tiled detector costs several detector runs, so it runs once every
``interval`` seconds of stream time (occupancy changes slowly); between runs the last
smoothed counts hold.

    live = LiveCounter(Counter(calibration), zones=[("door", points)], interval=1.0)
    if live.due(t):
        live.update(counting_detector.detect(image), t, (w, h))
    engine.evaluate(tracks, t, (w, h), counts=live.current)

``LiveCounter`` does no detection and no I/O: it is given the counting detector's boxes.
A zone's count is the frame count apportioned by where the counted boxes' feet are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from vigil.analytics.geometry import ZoneMap
from vigil.analytics.occupancy import ZoneCounts
from vigil.count.calibration import CountCalibration
from vigil.count.counter import Counter
from vigil.count.detector import create_counting_detector
from vigil.count.smoothing import CountSmoother, Smoother
from vigil.detect.base import Detector
from vigil.types import Detections, Image

if TYPE_CHECKING:
    from vigil.config.models import AnalysisConfig

log = logging.getLogger(__name__)

Points = Sequence[Sequence[float]]
SmoothingKind = Literal["kalman", "median", "mean", "off"]
_TIME_EPS = 1e-3


class _Unsmoothed:
    def update(self, t: float, count: float) -> float:
        return count

    def reset(self) -> None:
        pass


def _smoother(counter: Counter, kind: SmoothingKind, window: float) -> Smoother:
    if kind == "off":
        return _Unsmoothed()
    if kind == "kalman":
        return counter.smoother(window)
    return CountSmoother(window, kind)


class LiveCounter:
    """Counts per zone from the counting detector's boxes, one smoother per series (the frame and each zone).

    counter: the camera's :class:`Counter` (its calibration). zones: (name, normalised polygon) pairs.
    interval: seconds of stream time between counts (``due``). Time going back restarts the smoothers.
    """

    def __init__(
        self,
        counter: Counter,
        zones: Sequence[tuple[str, Points]] = (),
        interval: float = 1.0,
        smoothing: SmoothingKind = "kalman",
        window: float = 2.0,
    ) -> None:
        """smoothing: kalman (the calibration's noise model; a median over ``window`` s without one),
        median or mean over ``window`` seconds, or off."""
        if interval < 0:
            raise ValueError(f"counting interval must be >= 0 seconds, got {interval}")
        self.counter = counter
        self.interval = interval
        self.zone_names = tuple(name for name, _ in zones)
        self._zones = ZoneMap([pts for _, pts in zones])
        self._smoothers = [_smoother(counter, smoothing, window) for _ in range(len(self.zone_names) + 1)]
        self._last_t: float | None = None
        self.current: ZoneCounts | None = None
        """The latest smoothed counts (None before the first count)."""
        self.counts = 0

    def due(self, t: float) -> bool:
        """Whether a frame at stream time ``t`` should be counted."""
        last = self._last_t
        return last is None or t < last or t - last >= self.interval - _TIME_EPS

    def update(self, detections: Detections, t: float, frame_size: tuple[int, int]) -> ZoneCounts:
        """Count one frame's boxes (the counting detector's, in pixels of a ``frame_size`` (w, h) frame)."""
        w, h = frame_size
        if w <= 0 or h <= 0:
            raise ValueError(f"frame_size must be positive (width, height), got {frame_size}")
        if self._last_t is not None and t < self._last_t:
            for s in self._smoothers:
                s.reset()
        self._last_t = t
        raw = [self.counter.count(detections)]
        if self.zone_names:
            b = detections.xyxy.astype(np.float64)
            feet = np.stack([(b[:, 0] + b[:, 2]) * 0.5 / w, b[:, 3] / h], axis=1)
            inside = self._zones.lookup(feet, (w, h))
            raw.extend(self.counter.count(detections, inside[:, k]) for k in range(len(self.zone_names)))
        smooth = [max(0.0, s.update(t, c)) for s, c in zip(self._smoothers, raw, strict=True)]
        self.current = ZoneCounts(t, smooth[0], dict(zip(self.zone_names, smooth[1:], strict=True)))
        self.counts += 1
        return self.current


class CountingStage:
    """A camera's counting stage: the counting detector (tiles) and a :class:`LiveCounter`, timed.

    ``update(image, t, frame_size)`` runs the detector when a count is due and returns the
    latest counts (None before the first).
    """

    def __init__(self, detector: Detector, live: LiveCounter) -> None:
        self.detector = detector
        self.live = live
        self.seconds = 0.0

    @classmethod
    def from_config(cls, cfg: AnalysisConfig) -> CountingStage | None:
        """The stage ``cfg.counting`` asks for, or None when occupancy counts tracks (the default)."""
        c = cfg.counting
        if not c.occupancy:
            return None
        calibration = CountCalibration.load(c.calibration) if c.calibration is not None else None
        if calibration is None:
            log.warning("%s: counting for occupancy without a count calibration (counting.calibration): raw "
                        "counts of the tiled detector are used", cfg.camera)  # fmt: skip
        live = LiveCounter(
            Counter(calibration), [(z.name, z.points) for z in cfg.zones], c.interval, c.smoothing, c.smoothing_window
        )
        return cls(create_counting_detector(cfg.detector, c), live)

    def update(self, image: Image, t: float, frame_size: tuple[int, int]) -> ZoneCounts | None:
        if self.live.due(t):
            t0 = time.perf_counter()
            self.live.update(self.detector.detect(image), t, frame_size)
            self.seconds += time.perf_counter() - t0
        return self.live.current
