"""TrackerConfig: units, bounds and relations are checked when the config is read."""

from __future__ import annotations

import pytest

from vigil.config import parse_yaml
from vigil.config.models import TrackerConfig
from vigil.errors import ConfigError


def test_defaults_are_valid_and_in_seconds() -> None:
    cfg = TrackerConfig()
    assert 0.0 < cfg.confirm_time < cfg.lost_timeout
    assert cfg.low_threshold <= cfg.high_threshold <= cfg.new_track_threshold
    for name, field in TrackerConfig.model_fields.items():
        assert field.description, f"{name} has no description"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("low_threshold: 0.7\nhigh_threshold: 0.5\n", "must not exceed high_threshold"),
        ("lost_timeout: 0\n", "lost_timeout"),
        ("match_iou: 1.5\n", "match_iou"),
        ("confirm_time: -1\n", "confirm_time"),
        ("direction_weight: 2\n", "direction_weight"),
        ("lost_frames: 30\n", "unknown key"),
    ],
)
def test_bad_values_name_the_field(yaml_text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_yaml(yaml_text, TrackerConfig, source="tracker.yaml")


def test_yaml_overrides() -> None:
    cfg = parse_yaml("lost_timeout: 3.5\nconfirm_time: 0\n", TrackerConfig)
    assert cfg.lost_timeout == 3.5 and cfg.confirm_time == 0.0
