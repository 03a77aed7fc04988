"""The analysis config tree: detector, tracker, analysis. Units are seconds, never frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ModelWrapValidatorHandler, ValidationError, field_validator, model_validator

from vigil.config.analytics import (
    CalibrationConfig,
    LineConfig,
    RuleConfig,
    ZoneConfig,
    annotate_analytics_errors,
    check_references,
    default_rules,
)
from vigil.config.base import StrictModel
from vigil.config.masks import MaskConfig
from vigil.config.scene import SceneModelConfig, UnusualActivityConfig
from vigil.count.config import CountingConfig
from vigil.detect.classes import CLASS_IDS, DEFAULT_CLASSES


class DetectorConfig(StrictModel):
    """Object detector (ONNX Runtime, YOLOX family)."""

    model: str = Field(
        "yolox-nano",
        description="Model name (yolox-nano, yolox-tiny, yolox-s, yolox-m, yolox-l, yolox-x) "
        "or a path to an .onnx file.",
    )
    model_dir: Path | None = Field(
        None, description="Folder searched for model files before downloading (also VIGIL_MODELS)."
    )
    input_size: int | None = Field(
        None, ge=64, le=2048, multiple_of=32,
        description="Network input side in pixels; default: the model's own (416 for nano/tiny, 640 otherwise).",
    )
    score_threshold: float = Field(
        0.1, ge=0.0, le=1.0,
        description="Detections below this score are dropped (the tracker still uses 0.1-0.5 ones).",
    )
    nms_threshold: float = Field(0.45, gt=0.0, le=1.0, description="IoU above which NMS suppresses (per class).")
    classes: tuple[str, ...] = Field(DEFAULT_CLASSES, min_length=1, description="COCO class names to keep.")
    threads: int = Field(2, ge=0, le=64, description="ONNX Runtime intra-op threads (0: runtime default).")

    @field_validator("classes")
    @classmethod
    def _known_classes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in v if c not in CLASS_IDS]
        if unknown:
            raise ValueError(f"unknown class name(s) {unknown}; use COCO names such as 'person', 'car'")
        return v


class TrackerConfig(StrictModel):
    """Multi-object tracker (vigil.track.VigilTracker). Times are seconds of stream time.

    Defaults were tuned on MOT15 public detections and YOLOX-Nano detections at 7-30
    frames/s; being in seconds, they behave alike at any frame rate.
    """

    high_threshold: float = Field(
        0.6, ge=0.0, le=1.0,
        description="Detections scoring at least this are 'high': they can re-find lost tracks. "
        "Lower ones only continue a track seen in the previous frame.",
    )
    low_threshold: float = Field(0.1, ge=0.0, le=1.0, description="Detections scoring below this are ignored.")
    new_track_threshold: float = Field(
        0.7, ge=0.0, le=1.0,
        description="Minimum score of an unmatched high detection to start a track "
        "(below high_threshold it acts as high_threshold).",
    )
    match_iou: float = Field(
        0.5, gt=0.0, le=1.0,
        description="A high detection overlapping a track's predicted box by this IoU may always match it; "
        "with less overlap it must lie inside the track's 99% motion gate.",
    )
    low_match_iou: float = Field(
        0.45, gt=0.0, le=1.0, description="Minimum IoU for a low-score detection to continue a track."
    )
    lost_timeout: float = Field(
        2.0, gt=0.0, le=600.0, description="Seconds a track may go unseen and still be re-found (then it ends)."
    )
    confirm_time: float = Field(
        0.1, ge=0.0, le=10.0,
        description="Seconds a new track must be matched in every frame before it is reported "
        "(0: report at once; any value above 0 hides one-frame false detections).",
    )
    direction_weight: float = Field(
        0.3, ge=0.0, le=1.0,
        description="Weight of direction consistency (OC-SORT): prefers detections that continue "
        "a track's direction of motion. 0 turns it off.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> TrackerConfig:
        if not self.low_threshold <= self.high_threshold:
            raise ValueError(
                f"low_threshold ({self.low_threshold}) must not exceed high_threshold ({self.high_threshold})"
            )
        return self


class AnalysisConfig(StrictModel):
    """What `vigil analyze` reads from --config."""

    camera: str = Field("video", min_length=1, max_length=64, description="Camera name used in events.")
    detector: DetectorConfig = Field(default_factory=DetectorConfig)  # type: ignore[arg-type]
    tracker: TrackerConfig = Field(default_factory=TrackerConfig)  # type: ignore[arg-type]
    fps: float | None = Field(None, gt=0.0, le=240.0, description="Analysis rate (frames/s); default: every frame.")
    zones: tuple[ZoneConfig, ...] = Field((), max_length=256, description="Named polygons (normalised 0-1 points).")
    lines: tuple[LineConfig, ...] = Field((), max_length=256, description="Named directed lines for crossing counts.")
    masks: tuple[MaskConfig, ...] = Field(
        (), max_length=64, description="Polygons (normalised 0-1 points) filled before detection: never detected."
    )
    calibration: CalibrationConfig | None = Field(
        None, description="Ground-plane calibration (metres); without it lengths are in body heights."
    )
    rules: tuple[RuleConfig, ...] = Field(
        default_factory=default_rules, max_length=256,
        description="Behaviour rules keyed by type; default: running, crowd_running, dispersal, gathering.",
    )
    scene_model: Path | None = Field(
        None, description="Learned scene model (.npz from `vigil learn`); when set, frames get an anomaly score."
    )
    scene: SceneModelConfig = Field(
        default_factory=SceneModelConfig,  # type: ignore[arg-type]
        description="How motion is measured for the scene model (fixed when the model is learned).",
    )
    unusual_activity: UnusualActivityConfig = Field(
        default_factory=UnusualActivityConfig,  # type: ignore[arg-type]
        description="When a high anomaly score becomes an unusual_activity event.",
    )
    counting: CountingConfig = Field(
        default_factory=CountingConfig,  # type: ignore[arg-type]
        description="Dense-scene people counting: tiles, count calibration, smoothing.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _analytics(cls, data: Any, handler: ModelWrapValidatorHandler[AnalysisConfig]) -> AnalysisConfig:
        """Errors in zones/lines/rules name the camera and the rule; rules must name known zones/lines."""
        try:
            cfg = handler(data)
        except ValidationError as e:
            raise annotate_analytics_errors(data, e) from None
        problem = check_references(cfg.camera, cfg.zones, cfg.lines, cfg.rules)
        if problem is not None:
            raise problem
        return cfg
