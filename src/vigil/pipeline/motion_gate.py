"""Motion gating: skip detection on frames where nothing moves, so quiet cameras cost little.

``MotionGate.should_detect(frame)`` compares a small blurred grey copy of the frame
(``width`` pixels wide) with the previous one: pixels whose grey level changed by more
than ``pixel_threshold`` count as moving, and the frame has motion when they cover at
least ``area_threshold`` of the image. Detection then runs on every frame while there is
motion and for ``hold`` seconds after it stops (so tracks of people who left can end
properly), and at least once every ``max_skip`` seconds whatever happens (a scene that
changes too slowly to trigger still gets looked at). Times are stream seconds (pts).

What a gated frame means to the tracker: :class:`GatedDetector` wraps the real detector
and, on a gated frame, returns the previous frame's detections instead of running the
network. No motion means the objects are where they were, so the tracker keeps matching
the same boxes: tracks stay alive (a standing person does not end after
``tracker.lost_timeout``), rules that measure durations (loitering) keep counting, and
nothing new starts. Tracking and rules still run on every frame; only inference is
skipped, and that is where the cost is. Decoding continues regardless.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from vigil.detect.base import Detector, StageTimes
from vigil.types import Detections, Frame, Image


@dataclass(frozen=True, slots=True)
class MotionGateStats:
    """frames: frames looked at; detected: frames passed to the detector; gated: skipped;
    motion: frames with motion; seconds: time spent in the gate itself."""

    frames: int
    detected: int
    gated: int
    motion: int
    seconds: float

    @property
    def gated_fraction(self) -> float:
        return self.gated / self.frames if self.frames else 0.0


class MotionGate:
    """``should_detect(frame) -> bool``: frame differencing on a small grey copy.

    width: pixels of the grey copy (16-640). pixel_threshold: grey-level change (0-255)
    for a pixel to count as moving. area_threshold: fraction of pixels that must move
    (0-1). hold: seconds detection continues after the last motion. max_skip: detection
    runs at least this often (seconds).
    """

    def __init__(
        self,
        *,
        width: int = 80,
        pixel_threshold: int = 20,
        area_threshold: float = 0.002,
        hold: float = 2.0,
        max_skip: float = 5.0,
    ) -> None:
        if not 16 <= width <= 640:
            raise ValueError(f"motion gate width must be 16-640 pixels, got {width}")
        if not 0 < pixel_threshold < 256:
            raise ValueError(f"motion gate pixel_threshold must be 1-255, got {pixel_threshold}")
        if not 0.0 < area_threshold <= 1.0:
            raise ValueError(f"motion gate area_threshold must be in (0, 1], got {area_threshold}")
        if hold < 0.0:
            raise ValueError(f"motion gate hold must be >= 0 seconds, got {hold}")
        if not max_skip > 0.0:
            raise ValueError(f"motion gate max_skip must be > 0 seconds, got {max_skip}")
        self.width = width
        self.pixel_threshold = pixel_threshold
        self.area_threshold = area_threshold
        self.hold = hold
        self.max_skip = max_skip
        self._prev: np.ndarray | None = None
        self._last_motion: float | None = None
        self._last_detect: float | None = None
        self._frames = 0
        self._detected = 0
        self._motion = 0
        self._seconds = 0.0

    def _small(self, image: Image) -> np.ndarray:
        h, w = image.shape[:2]
        height = max(1, round(h * self.width / w))
        src: np.ndarray = image
        if w > self.width * 8:  # big frames: sample down to 4x first (fast), then average 4x4 samples a pixel
            src = cv2.resize(image, (self.width * 4, height * 4), interpolation=cv2.INTER_NEAREST)
        small = cv2.resize(src, (self.width, height), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        return cv2.GaussianBlur(grey, (3, 3), 0)

    def motion_fraction(self, image: Image) -> float | None:
        """Fraction of moving pixels against the previous image (None for the first), and remember this one."""
        grey = self._small(image)
        prev, self._prev = self._prev, grey
        if prev is None or prev.shape != grey.shape:
            return None
        diff = cv2.absdiff(grey, prev)
        return float(np.count_nonzero(diff > self.pixel_threshold)) / diff.size

    def should_detect(self, frame: Frame) -> bool:
        """True when the detector should run on ``frame`` (stream time ``frame.pts``)."""
        t0 = time.perf_counter()
        t = frame.pts
        fraction = self.motion_fraction(frame.image)
        if fraction is not None and fraction >= self.area_threshold:
            self._last_motion = t
            self._motion += 1
        detect = (
            self._last_detect is None
            or (self._last_motion is not None and t - self._last_motion <= self.hold)
            or t - self._last_detect >= self.max_skip
            or t < self._last_detect  # the stream restarted
        )
        if detect:
            self._last_detect = t
            self._detected += 1
        self._frames += 1
        self._seconds += time.perf_counter() - t0
        return detect

    def stats(self) -> MotionGateStats:
        return MotionGateStats(
            self._frames, self._detected, self._frames - self._detected, self._motion, self._seconds
        )


class GatedDetector:
    """A Detector that runs ``detector`` only on frames the gate passes.

    Call ``observe(frame)`` before handing the frame to the pipeline; ``detect(image)``
    of that image then runs the real detector, or returns the previous detections when
    the gate decided the frame had no motion (see the module docstring for why).
    An image that was not observed is always detected.
    """

    def __init__(self, detector: Detector, gate: MotionGate) -> None:
        self.detector = detector
        self.gate = gate
        self.times: StageTimes = detector.times
        self._observed: Image | None = None
        self._skip = False
        self._last: Detections | None = None

    def observe(self, frame: Frame) -> bool:
        """Ask the gate about ``frame``; True when it will be detected."""
        self._observed = frame.image
        self._skip = not self.gate.should_detect(frame)
        return not self._skip

    def detect(self, image: Image) -> Detections:
        if self._skip and image is self._observed and self._last is not None:
            return self._last
        self._last = self.detector.detect(image)
        return self._last
