"""The configuration example in the README is valid (docs must not rot)."""

from __future__ import annotations

import re
from pathlib import Path

from vigil.config import AnalysisConfig, parse_yaml

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_yaml_example_is_a_valid_config() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no yaml example"
    for text in blocks:
        cfg = parse_yaml(text, AnalysisConfig, source="README.md")
        assert cfg.camera
    cfg = parse_yaml(blocks[0], AnalysisConfig)
    assert {r.type for r in cfg.rules} >= {"running", "loitering", "line_crossing"}
    assert cfg.zones and cfg.lines and cfg.masks
