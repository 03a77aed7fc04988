"""The Detector interface."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from vigil.types import Detections, Image


@dataclass(slots=True)
class StageTimes:
    """Accumulated seconds per detector stage (for `vigil bench`)."""

    preprocess: float = 0.0
    inference: float = 0.0
    postprocess: float = 0.0
    calls: int = 0


@runtime_checkable
class Detector(Protocol):
    """``detect(image) -> Detections``: boxes in the pixel frame of ``image`` (BGR uint8)."""

    times: StageTimes

    def detect(self, image: Image) -> Detections: ...
