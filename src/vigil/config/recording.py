"""Recording config: event clips with pre/post roll, snapshots, continuous segments,
retention and redaction burned into stored media.

Durations are seconds of stream time, never frames. Redaction regions are polygons in
normalised image coordinates like masks and zones (x = column / width, y = row /
height, in [0, 1], origin top-left)::

    recording:
      enabled: true
      pre_roll: 5
      post_roll: 5
      max_clip: 300
      continuous: {enabled: false, segment_seconds: 600}
      retention: {max_age_days: 14, max_total_gb: 50, min_free_gb: 2}
      redaction:
        method: blur
        blur_people: true
        regions:
          - name: neighbours-window
            points: [[0.7, 0.1], [0.95, 0.1], [0.95, 0.4], [0.7, 0.4]]
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from vigil.config.base import StrictModel
from vigil.config.masks import MaskConfig


class ContinuousConfig(StrictModel):
    """Continuous recording in fixed-length MP4 segments (besides event clips)."""

    enabled: bool = Field(False, description="Record everything the camera sees, in segments.")
    segment_seconds: float = Field(
        600.0, ge=10.0, le=3600.0, description="Length of one segment file in seconds of stream time."
    )


class RetentionConfig(StrictModel):
    """How long stored media is kept: the first limit reached deletes the oldest media first."""

    max_age_days: float = Field(
        14.0, gt=0.0, le=3650.0, description="Delete media (and events) older than this many days."
    )
    max_total_gb: float | None = Field(
        None, gt=0.0, le=1_000_000.0, description="Cap on the total size of stored clips, snapshots and segments (GB)."
    )
    min_free_gb: float = Field(
        1.0, ge=0.0, le=100_000.0,
        description="Delete the oldest media to keep this much disk free (GB); recording pauses while less than "
        "half of it is free.",
    )
    interval: float = Field(
        300.0, ge=1.0, le=86400.0, description="Seconds between two retention passes."
    )


class RedactionConfig(StrictModel):
    """Privacy redaction burned into stored clips, snapshots and segments (never into live analysis)."""

    regions: tuple[MaskConfig, ...] = Field(
        (), max_length=50, description="Polygons hidden in every stored frame (a neighbour's window, a screen)."
    )
    blur_people: bool = Field(
        False, description="Hide the whole box of every tracked person (a box blur, not face detection)."
    )
    method: Literal["blur", "fill"] = Field(
        "blur", description="blur: a strong blur of the area; fill: solid grey."
    )


class RecordingConfig(StrictModel):
    """Event clips, snapshots and optional continuous recording of one camera."""

    enabled: bool = Field(True, description="Record a clip and snapshots of every event.")
    pre_roll: float = Field(5.0, ge=0.0, le=60.0, description="Seconds of video kept before an event starts.")
    post_roll: float = Field(5.0, ge=0.0, le=300.0, description="Seconds of video kept after an event ends.")
    max_clip: float = Field(
        300.0, ge=5.0, le=3600.0,
        description="Longest clip in seconds; a longer event continues in a new clip.",
    )
    preroll_max_mb: float = Field(
        64.0, ge=1.0, le=4096.0, description="Memory cap of the pre-roll buffer (MB); the oldest frames go first."
    )
    snapshot_quality: int = Field(85, ge=10, le=100, description="JPEG quality of snapshots (10-100).")
    buffer_quality: int = Field(
        85, ge=10, le=100, description="JPEG quality of frames held in the pre-roll buffer (10-100)."
    )
    annotate_clips: bool = Field(True, description="Draw boxes, ids, trails and event banners on clips.")
    encoder_preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = Field(
        "ultrafast",
        description="x264 preset of clips and segments: ultrafast costs the camera least CPU (about half of "
        "veryfast's) for files about three times larger; slower presets the other way round.",
    )
    continuous: ContinuousConfig = Field(
        default_factory=ContinuousConfig,  # type: ignore[arg-type]
        description="Continuous recording in segments, besides event clips.",
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig,  # type: ignore[arg-type]
        description="How long media is kept: by age, total size and free disk.",
    )
    redaction: RedactionConfig = Field(
        default_factory=RedactionConfig,  # type: ignore[arg-type]
        description="Areas and people hidden in stored media.",
    )

    @model_validator(mode="after")
    def _clip_holds_rolls(self) -> RecordingConfig:
        if self.pre_roll + self.post_roll >= self.max_clip:
            raise ValueError(
                f"max_clip ({self.max_clip} s) must be longer than pre_roll + post_roll "
                f"({self.pre_roll} + {self.post_roll} s)"
            )
        return self
