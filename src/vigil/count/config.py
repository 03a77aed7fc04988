"""Counting settings: how the detector sees the frame, the calibration, the smoothing.

Meant as the ``counting:`` section of a camera's config (``AnalysisConfig``); the
eval command reads it from ``--config`` too.
"""

from __future__ import annotations

from pathlib import Path

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
    detector_threshold: float = Field(
        0.05, ge=0.0, le=1.0,
        description="Score below which the detector drops boxes while counting (calibration thresholds start here).",
    )
    thresholds: tuple[float, ...] = Field(
        DEFAULT_THRESHOLDS, min_length=1, max_length=32,
        description="Candidate score thresholds; calibration keeps the one that cross-validates best.",
    )
    calibration: Path | None = Field(None, description="Count calibration JSON of this camera (from `vigil eval count --save-calibration`).")
    smoothing: float = Field(
        2.0, ge=0.0, le=600.0, description="Seconds of stream time the count is smoothed over (0: off)."
    )
    smoothing_method: str = Field("median", pattern="^(median|mean)$", description="median or mean over the window.")

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
