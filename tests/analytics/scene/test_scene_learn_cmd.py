"""`vigil learn` glue: inputs (folders of clips, frame folders, videos), config, output model."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import pytest
from scene_synth import SIZE, Scene

from vigil.analytics.scene import SceneModel
from vigil.analytics.scene.learn_cmd import expand_inputs, run_learn_command
from vigil.errors import ConfigError, DatasetError


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with two frame folders (6 s each at 20 fps) and one MJPG video (4 s)."""
    root = tmp_path_factory.mktemp("normal")
    scene = Scene(2)
    for name, t0 in (("a", 0.0), ("b", 50.0)):
        (root / name).mkdir()
        for i, f in enumerate(scene.frames(6.0, t0=t0)):
            cv2.imwrite(str(root / name / f"{i:04d}.png"), f.image)
    w = cv2.VideoWriter(str(root / "c.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, SIZE)
    for f in scene.frames(4.0, t0=100.0):
        w.write(f.image)
    w.release()
    return root


def test_learn_writes_a_model(tmp_path: Path, clips: Path) -> None:
    cfg = tmp_path / "cam.yaml"
    cfg.write_text("camera: cam1\nscene:\n  mask_rows: 12\nunusual_activity:\n  min_duration: 1.0\n")
    args = argparse.Namespace(inputs=[str(clips)], out=tmp_path / "cam1", config=cfg, false_alarms_per_hour=2.0, fps=20.0)
    assert run_learn_command(args) == 0
    model = SceneModel.load(tmp_path / "cam1.npz")
    assert model.source_size == SIZE and model.config.mask_rows == 12
    assert model.false_alarms_per_hour == 2.0 and model.info["clips"] == 3
    assert model.info["calibration"]["min_duration"] == 1.0
    assert 15.0 < model.info["seconds"] <= 16.0


def test_inputs_expand_to_clips(clips: Path) -> None:
    assert [Path(p).name for p in expand_inputs([str(clips)])] == ["a", "b", "c.avi"]
    assert expand_inputs([str(clips / "a"), "rtsp://cam/1"]) == [str(clips / "a"), "rtsp://cam/1"]


def test_learn_errors(tmp_path: Path, clips: Path) -> None:
    (tmp_path / "empty").mkdir()
    args = argparse.Namespace(inputs=[str(tmp_path / "empty")], out=tmp_path / "m.npz", config=None)
    with pytest.raises(DatasetError, match="no videos, images or frame folders"):
        run_learn_command(args)
    bad = tmp_path / "bad.yaml"
    bad.write_text("scene:\n  widht: 200\n")
    args = argparse.Namespace(inputs=[str(clips / "a")], out=tmp_path / "m.npz", config=bad)
    with pytest.raises(ConfigError, match="bad.yaml:2: scene.widht: unknown key"):
        run_learn_command(args)
