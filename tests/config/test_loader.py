"""Config loading: valid files, and errors that name the YAML line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.config import AnalysisConfig, load_yaml, parse_yaml
from vigil.errors import ConfigError


def test_defaults_when_empty() -> None:
    cfg = parse_yaml("", AnalysisConfig)
    assert cfg.detector.model == "yolox-nano"
    assert "person" in cfg.detector.classes


def test_valid_values_are_read() -> None:
    cfg = parse_yaml("camera: gate\ndetector:\n  input_size: 640\n  classes: [person, car]\n", AnalysisConfig)
    assert cfg.camera == "gate"
    assert cfg.detector.input_size == 640
    assert cfg.detector.classes == ("person", "car")


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("camera: a\ndetector:\n  modle: yolox-s\n", 3, "detector.modle: unknown key"),
        ("camera: a\ndetector:\n  input_size: big\n", 3, "detector.input_size"),
        ("detector:\n  input_size: 100\n", 2, "multiple of 32"),
        ("camera: a\n\ntracker:\n  lost_timeout: -1\n", 4, "tracker.lost_timeout"),
        ("detector:\n  classes:\n    - person\n    - unicorn\n", 3, "unknown class name"),
        ("cameras: {}\n", 1, "cameras: unknown key"),
        ("detector: [1, 2\n", 2, "invalid YAML"),
        ("- a\n- b\n", 1, "must be a mapping"),
    ],
)
def test_errors_name_line_and_key(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ConfigError) as ei:
        parse_yaml(text, AnalysisConfig, source="cam.yaml")
    msg = str(ei.value)
    assert msg.startswith(f"cam.yaml:{line}:"), msg
    assert fragment in msg


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_yaml(tmp_path / "nope.yaml", AnalysisConfig)


def test_file_errors_carry_path(tmp_path: Path) -> None:
    p = tmp_path / "vigil.yaml"
    p.write_text("detector:\n  threads: many\n", encoding="utf-8")
    with pytest.raises(ConfigError) as ei:
        load_yaml(p, AnalysisConfig)
    assert str(ei.value).startswith(f"{p}:2: detector.threads")
