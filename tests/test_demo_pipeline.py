"""The packaged demo config on the real demo video: events of several rules within a minute.

Needs the shared data (vtest.avi and YOLOX-Nano); skips with the reason when it is absent.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from vigil.config.loader import load_yaml
from vigil.config.models import AnalysisConfig
from vigil.config.service import ServiceConfig
from vigil.demo import demo_config_path
from vigil.pipeline.analyze import AnalyzeOptions, analyze

SECONDS = 60.0


def test_the_demo_camera_raises_events_of_several_rules_within_a_minute(
    data_dir: Path, models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = data_dir / "videos" / "vtest.avi"
    if not video.is_file():
        pytest.skip(f"{video} not found")
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(video))
    (cam,) = load_yaml(demo_config_path(), ServiceConfig).cameras
    fields = set(AnalysisConfig.model_fields)
    analysis = AnalysisConfig.model_validate(
        {k: v for k, v in cam.model_dump().items() if k in fields}
        | {"detector": cam.detector.model_dump() | {"model_dir": models_dir}}
    )
    out = tmp_path / "out"
    result = analyze(cam.source, analysis, AnalyzeOptions(out, end=SECONDS, fps=cam.fps, write_video=False, progress=False))
    assert result.frames == pytest.approx(SECONDS * 5, abs=2)
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    started = Counter(e["kind"] for e in events if e["phase"] in ("start", "instant") and e["t"] <= SECONDS)
    rules = {"line_crossing", "zone_enter", "loitering", "gathering", "overcrowding"}
    fired = rules & set(started)
    assert len(fired) >= 3, f"only {sorted(fired)} fired in {SECONDS:.0f} s: {dict(started)}"
    assert started["running"] == 0  # nobody runs in vtest
