"""RecordingConfig: seconds, bounds, unknown keys and redaction polygons are validated."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from vigil.config.recording import RecordingConfig


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, None),
        ({"pre_roll": 10, "post_roll": 20, "max_clip": 60}, None),
        ({"pre_roll": -1}, "pre_roll"),
        ({"pre_roll": 30, "post_roll": 30, "max_clip": 60}, "must be longer than pre_roll"),
        ({"pre_roll_frames": 5}, "pre_roll_frames"),
        ({"snapshot_quality": 5}, "snapshot_quality"),
        ({"continuous": {"enabled": True, "segment_seconds": 1}}, "segment_seconds"),
        ({"retention": {"max_age_days": 0}}, "max_age_days"),
        ({"retention": {"max_total_gb": -1}}, "max_total_gb"),
        ({"redaction": {"method": "pixelate"}}, "method"),
        ({"redaction": {"regions": [{"points": [[0, 0], [1, 0], [1.5, 1]]}]}}, "outside"),
        ({"redaction": {"regions": [{"points": [[0, 0], [1, 1], [1, 0], [0, 1]]}]}}, "self-intersecting"),
    ],
)
def test_validation(data: dict[str, Any], error: str | None) -> None:
    if error is None:
        RecordingConfig.model_validate(data)
        return
    with pytest.raises(ValidationError, match=error):
        RecordingConfig.model_validate(data)


def test_every_field_is_described() -> None:
    for model in (RecordingConfig, *(f.annotation for f in RecordingConfig.model_fields.values()
                                     if isinstance(f.annotation, type) and hasattr(f.annotation, "model_fields"))):
        for name, f in model.model_fields.items():  # type: ignore[union-attr]
            assert f.description, f"{model.__name__}.{name}"
