"""Zones, lines and rules changed through the API, kept across restarts.

The YAML file stays the operator's (comments and all): a change made in the web UI is
saved as ``<data_dir>/cameras/<camera>.json`` holding the camera's ``zones``, ``lines``
and ``rules``, and applied over the file's camera at every start. An override that no
longer fits the file's camera (say a rule names a zone the file dropped) is reported
and skipped, so the camera still runs on its file config; deleting the JSON file undoes
every UI change of that camera.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vigil.config.service import CameraConfig
from vigil.recording.base import safe_name

log = logging.getLogger(__name__)

FIELDS = ("zones", "lines", "rules")
"""What an override replaces in a camera's config."""

DIR = "cameras"


class Overrides:
    """Per-camera overrides under ``data_dir/cameras``. See the module docstring."""

    def __init__(self, data_dir: str | Path) -> None:
        self.dir = Path(data_dir) / DIR

    def path(self, camera: str) -> Path:
        return self.dir / f"{safe_name(camera)}.json"

    def save(self, config: CameraConfig) -> None:
        """Keep ``config``'s zones, lines and rules for its camera (atomically)."""
        data = config.model_dump(mode="json", include=set(FIELDS))
        data["camera"] = config.camera
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.path(config.camera)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)

    def apply(self, config: CameraConfig) -> CameraConfig:
        """``config`` with its saved override, if there is one that still validates."""
        path = self.path(config.camera)
        if not path.is_file():
            return config
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            if data.get("camera") != config.camera:
                raise ValueError(f"it is for camera {data.get('camera')!r}")
            merged = {**config.model_dump(), **{k: data[k] for k in FIELDS if k in data}}
            return CameraConfig.model_validate(merged)
        except (OSError, ValueError, ValidationError) as e:
            log.error(
                "camera %s: zones/lines/rules saved from the web UI in %s no longer apply (%s); "
                "using the config file's (delete that file to silence this)", config.camera, path, e,
            )  # fmt: skip
            return config
