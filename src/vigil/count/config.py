"""Counting settings: how the detector sees the frame, the calibration, the smoothing.

Meant as the ``counting:`` section of a camera's config (``AnalysisConfig``); the
eval command reads it from ``--config`` too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from vigil.config.base import StrictModel
from vigil.count.calibration import DEFAULT_THRESHOLDS


class CountingConfig(StrictModel):
    """People counting in dense scenes. Times in seconds."""

    tiles: str = Field(
        "2x2", pattern=r"^\s*\d+\s*(x\s*\d+\s*)?$",
        description="Tile grid COLSxROWS the detector runs on (1x1: whole frame only).",
    )
    top_cols: int | None = Field(
        3, ge=1, le=16,
        description="Columns in the upper half of the tile rows (smaller tiles where people are far and "
        "small); null: as many as below.",
    )
    overlap: float = Field(0.2, ge=0.0, le=0.5, description="Fraction of a tile shared with its neighbour.")
    full_frame: bool = Field(True, description="Also run the whole frame once (near, large people).")
    merge: Literal["nms", "whole"] = Field(
        "nms",
        description="How tile boxes merge: nms keeps fragments of people cut by tile borders (the calibration "
        "counts them, and they grow with crowding); whole stitches them into one box per person.",
    )
    detector_threshold: float = Field(
        0.05, ge=0.0, le=1.0,
        description="Score below which the detector drops boxes while counting (calibration thresholds start here).",
    )
    thresholds: tuple[float, ...] = Field(
        DEFAULT_THRESHOLDS, min_length=1, max_length=32,
        description="Score threshold(s) of counted detections; with several, calibration keeps the one that "
        "cross-validates best on its frames.",
    )
    calibration: Path | None = Field(None, description="Count calibration JSON of this camera (from `vigil eval count --save-calibration`).")
    smoothing: Literal["kalman", "median", "mean", "off"] = Field(
        "kalman",
        description="kalman: random-walk model measured on the calibration frames (median without a "
        "calibration); median/mean: over smoothing_window seconds; off.",
    )
    smoothing_window: float = Field(2.0, gt=0.0, le=600.0, description="Seconds of the median/mean window.")
    occupancy: bool = Field(
        False,
        description="Occupancy and overcrowding (person counts) use this counting (tiles, calibration, smoothing) "
        "instead of counting tracks: better in dense scenes, where a small detector misses people at the back. "
        "Runs the tiled detector once every `interval` seconds.",
    )
    interval: float = Field(
        1.0, ge=0.0, le=600.0,
        description="Seconds of stream time between counts when `occupancy` is on (the last count holds between).",
    )

    @field_validator("thresholds")
    @classmethod
    def _thresholds(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        bad = [t for t in v if not 0.0 <= t <= 1.0]
        if bad:
            raise ValueError(f"thresholds must be within [0, 1], got {bad}")
        return tuple(sorted(set(v)))

    @model_validator(mode="after")
    def _detector_keeps_enough(self) -> CountingConfig:
        if self.detector_threshold > min(self.thresholds):
            raise ValueError(
                f"detector_threshold ({self.detector_threshold}) must not exceed the smallest calibration "
                f"threshold ({min(self.thresholds)})"
            )
        return self
