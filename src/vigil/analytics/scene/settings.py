"""The scene-model sections of a camera's YAML config (other sections are left to their owners).

    scene:                 # SceneModelConfig: how motion is measured (fixed at `vigil learn`)
      mask_rows: 31
    unusual_activity:      # UnusualActivityConfig: the event gate
      min_duration: 0.5
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ConfigDict, Field

from vigil.analytics.scene.config import SceneModelConfig, UnusualActivityConfig
from vigil.config import load_yaml
from vigil.config.base import StrictModel


class SceneSettings(StrictModel):
    """``scene`` and ``unusual_activity`` read from a config file; other top-level keys are ignored here."""

    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    scene: SceneModelConfig = Field(default_factory=SceneModelConfig)  # type: ignore[arg-type]
    unusual_activity: UnusualActivityConfig = Field(default_factory=UnusualActivityConfig)  # type: ignore[arg-type]


def load_scene_settings(path: Path | None) -> SceneSettings:
    """Settings from ``path`` (ConfigError naming the YAML line on a bad value), or the defaults."""
    return load_yaml(path, SceneSettings) if path is not None else SceneSettings()
