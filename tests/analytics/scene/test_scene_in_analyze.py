"""`vigil learn` then `vigil analyze` with the learned model: scores reach the report, events the jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest
from scene_synth import SIZE, Scene

from vigil.cli import main


def _write(path: Path, frames: list) -> Path:  # type: ignore[type-arg]
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, SIZE)
    for f in frames:
        w.write(f.image)
    w.release()
    return path


def test_learned_model_scores_frames_and_raises_unusual_activity(
    tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_MODELS", str(models_dir))
    scene = Scene(3)
    normal = _write(tmp_path / "normal.avi", list(scene.frames(20.0)))
    odd = _write(tmp_path / "odd.avi", list(scene.frames(8.0, t0=40.0, fast_from=43.0)))
    model = tmp_path / "cam.npz"
    assert main(["learn", str(normal), "--out", str(model), "--false-alarms-per-hour", "1"]) == 0

    cfg = tmp_path / "cam.yaml"
    cfg.write_text(f"camera: cam\nscene_model: {model}\nrules: []\n")
    out = tmp_path / "out"
    assert main(["analyze", str(odd), "--config", str(cfg), "--out", str(out), "--no-video", "--no-progress"]) == 0

    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    unusual = [e for e in events if e["kind"] == "unusual_activity"]
    assert [e["phase"] for e in unusual][:1] == ["start"]
    assert unusual[-1]["phase"] == "end"
    # The fast object enters at 3 s into the clip: nothing unusual before it.
    assert unusual[0]["t"] >= 3.0 - 1e-6
    assert unusual[0]["attributes"]["score"] >= unusual[0]["attributes"]["threshold"]
    html = (out / "report.html").read_text()
    assert "No anomaly scores" not in html


def test_analyze_rejects_a_file_that_is_not_a_scene_model(tmp_path: Path, models_dir: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("VIGIL_MODELS", str(models_dir))
    clip = _write(tmp_path / "c.avi", list(Scene(1).frames(1.0)))
    bogus = tmp_path / "model.npz"
    bogus.write_bytes(b"not a model")
    cfg = tmp_path / "cam.yaml"
    cfg.write_text(f"scene_model: {bogus}\n")
    assert main(["analyze", str(clip), "--config", str(cfg), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert str(bogus) in err and err.count("\n") == 1
