"""SceneModel: what one camera's normal footage taught, saved as one .npz (arrays + JSON metadata, no pickle)."""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from vigil import __version__
from vigil.analytics.scene.features import N_STATS, STAT_NAMES, grid_shape
from vigil.config.scene import SceneModelConfig
from vigil.errors import ConfigError, OutputError

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

FORMAT = "vigil-scene-model"
FORMAT_VERSION = 3
"""3: the flow covers only the part of the picture that changed (zero elsewhere); 2: flows span two frames and
at least 0.06 s (1: from one analysed frame to the next). A model holds the statistics of the flow it was learned
with, so older models are learned again."""


@dataclass(frozen=True)
class SceneModel:
    """A learned normal scene.

    config: how motion was measured (reused at run time). working_size: (w, h) of the
    working image; source_size: (w, h) of the footage learned from. normal_speed:
    (rows, cols) float32, normal speed of moving things per cell (working px/s).
    center, scale: (3,) per statistic (speed, activity fall, activity rise): z =
    (value - center) / scale. threshold: frame score that starts an unusual_activity
    event, calibrated to ``false_alarms_per_hour`` on the normal footage. info: how it
    was learned (frames, seconds, clips, calibration details).
    """

    config: SceneModelConfig
    working_size: tuple[int, int]
    source_size: tuple[int, int]
    normal_speed: F32
    center: F64
    scale: F64
    threshold: float
    false_alarms_per_hour: float
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        expect = grid_shape(self.working_size, self.config.cell)
        if self.normal_speed.shape != expect:
            raise ValueError(f"normal_speed has shape {self.normal_speed.shape}, expected {expect}")
        if self.center.shape != (N_STATS,) or self.scale.shape != (N_STATS,):
            raise ValueError(f"center and scale must have shape ({N_STATS},)")
        if not np.all(self.scale > 0):
            raise ValueError("scale must be positive")

    def metadata(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "vigil_version": __version__,
            "config": self.config.model_dump(mode="json"),
            "working_size": list(self.working_size),
            "source_size": list(self.source_size),
            "statistics": list(STAT_NAMES),
            "center": [float(v) for v in self.center],
            "scale": [float(v) for v in self.scale],
            "threshold": float(self.threshold),
            "false_alarms_per_hour": float(self.false_alarms_per_hour),
            "info": self.info,
        }

    def save(self, path: str | Path) -> Path:
        """Write ``path`` (``.npz`` is added when missing); returns the path written."""
        p = Path(path)
        if p.suffix != ".npz":
            p = p.with_name(p.name + ".npz")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            with p.open("wb") as f:
                np.savez_compressed(
                    f, normal_speed=self.normal_speed, metadata=np.array(json.dumps(self.metadata(), sort_keys=True))
                )
        except OSError as e:
            raise OutputError(f"{p}: cannot write the scene model: {e.strerror or e}") from e
        log.debug("wrote scene model %s", p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> SceneModel:
        """Read a model written by :meth:`save`. Raises ConfigError naming the file when it is not one."""
        p = Path(path)
        try:
            with np.load(p, allow_pickle=False) as z:
                normal = np.asarray(z["normal_speed"], np.float32)
                meta = json.loads(str(z["metadata"]))
        except FileNotFoundError as e:
            raise ConfigError(f"{p}: scene model file not found") from e
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
            raise ConfigError(f"{p}: not a Vigil scene model ({e})") from e
        if meta.get("format") != FORMAT:
            raise ConfigError(f"{p}: not a Vigil scene model (format {meta.get('format')!r})")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ConfigError(
                f"{p}: scene model format version {meta.get('format_version')} is not supported "
                f"(this Vigil reads version {FORMAT_VERSION}); learn it again with `vigil learn`"
            )
        try:
            cfg = SceneModelConfig.model_validate(meta["config"])
            return cls(
                config=cfg,
                working_size=(int(meta["working_size"][0]), int(meta["working_size"][1])),
                source_size=(int(meta["source_size"][0]), int(meta["source_size"][1])),
                normal_speed=normal,
                center=np.asarray(meta["center"], np.float64),
                scale=np.asarray(meta["scale"], np.float64),
                threshold=float(meta["threshold"]),
                false_alarms_per_hour=float(meta["false_alarms_per_hour"]),
                info=dict(meta.get("info", {})),
            )
        except (KeyError, TypeError, ValueError, ValidationError) as e:
            raise ConfigError(f"{p}: scene model metadata is invalid ({e})") from e
