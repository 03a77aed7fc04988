"""Settings of the learned scene model and of the unusual_activity event. Units: seconds, working pixels.

The working image is the frame scaled down to ``width`` pixels (grey). Speeds are in
working pixels per second; the model learns what is normal per cell, so no metric
calibration is needed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from vigil.config.base import StrictModel


class SceneModelConfig(StrictModel):
    """How motion is measured and turned into an anomaly score (fixed when the model is learned)."""

    width: int = Field(144, ge=64, le=640, description="Width (px) of the grey working image the motion is measured on.")
    interval: float = Field(
        0.11, ge=0.0, le=2.0,
        description="Seconds between analysed frames; frames closer than this to the last analysed one reuse its "
        "score (0: every frame).",
    )
    calm_interval: float = Field(
        0.4, ge=0.0, le=2.0,
        description="Seconds between analysed frames while the scene is calm (the last score more than "
        "calm_margin below the model's threshold); at most interval: always interval.",
    )
    calm_margin: float = Field(
        1.0, ge=0.0, le=100.0,
        description="How far (score units) below the model's calibrated threshold the score must be for the "
        "scene to count as calm.",
    )
    flow: Literal["farneback", "dis"] = Field(
        "farneback",
        description="Dense optical flow: OpenCV Farneback (more accurate on small objects) or DIS (cheaper).",
    )
    mask_rows: int = Field(
        0, ge=0, le=4096,
        description="Rows at the top of the source frame ignored (burned-in captions, timestamps), in source pixels.",
    )
    min_displacement: float = Field(
        0.2, gt=0.0, le=5.0,
        description="Motion below this many working pixels between two analysed frames counts as noise.",
    )
    cell: int = Field(9, ge=4, le=64, description="Side (working px) of the cells whose normal speed is learned.")
    prior_weight: float = Field(
        20.0, ge=0.0, le=1e4,
        description="Observations a cell needs before its own normal speed outweighs its row's (shrinkage).",
    )
    quantile: float = Field(
        0.98, gt=0.5, lt=1.0,
        description="Speed statistic: this quantile of the per-pixel speed relative to normal, over the frame.",
    )
    speed_smoothing: float = Field(
        0.5, gt=0.0, le=10.0, description="Time constant (s) with which the speed statistic's smoothing follows a rise."
    )
    speed_decay: float = Field(
        2.0, gt=0.0, le=30.0,
        description="Time constant (s) with which the smoothed speed statistic follows a fall: unusual motion "
        "is remembered for a moment after it leaves the picture or hides in a thinning crowd.",
    )
    activity_smoothing: float = Field(
        0.5, gt=0.0, le=10.0, description="Time constant (s) of the moving-area (activity) smoothing."
    )
    change_window: float = Field(
        5.0, gt=0.0, le=120.0,
        description="Seconds over which a sudden rise or fall of the moving area is judged (crowd forming / dispersing).",
    )
    activity_floor: float = Field(
        0.01, gt=0.0, le=0.5,
        description="Moving-area share added before taking logs, so that changes smaller than about one person "
        "in a sparse scene are not 'sudden'.",
    )
    min_scale: tuple[float, float, float] = Field(
        (0.1, 0.25, 0.25),
        description="Smallest spread (natural log units) of the speed, activity-fall and activity-rise statistics: "
        "guards against over-confident models learned from a few seconds.",
    )
    max_calibration_frames: int = Field(
        12000, ge=100, le=1_000_000,
        description="Analysed frames kept for calibration (about 19 kB each at width 160); later frames still "
        "shape the normal-speed map.",
    )


class UnusualActivityConfig(StrictModel):
    """When a score becomes an ``unusual_activity`` event."""

    threshold: float | None = Field(None, description="Score that starts an event; default: the model's calibrated one.")
    hysteresis: float = Field(
        1.0, ge=0.0, le=100.0, description="An event ends when the score falls this far below the threshold."
    )
    min_duration: float = Field(0.5, ge=0.0, le=60.0, description="Seconds above the threshold before an event starts.")
    end_after: float = Field(1.0, ge=0.0, le=600.0, description="Seconds below the end level before an event ends.")
    update_interval: float = Field(
        5.0, gt=0.0, le=3600.0, description="Seconds between 'update' records of an ongoing event."
    )
