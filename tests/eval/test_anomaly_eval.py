"""`vigil eval anomaly` on small generated datasets in the shared layouts (no shared data needed)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "analytics" / "scene"))
from scene_synth import Scene

from vigil.errors import DatasetError
from vigil.eval.anomaly_cmd import run_eval_anomaly_command
from vigil.eval.anomaly_data import load_dataset, training_inputs

FPS = 20.0


def _write_video(path: Path, frames: list[np.ndarray], fps: float) -> None:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (frames[0].shape[1], frames[0].shape[0]))
    for f in frames:
        w.write(f)
    w.release()


@pytest.fixture(scope="module")
def scenes_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One video, two scenes (UMN layout): normal walking, then a fast blob near the end of each."""
    root = tmp_path_factory.mktemp("umnlike")
    images, rows = [], []
    for seq, (seed, seconds, fast_from) in enumerate([(0, 14.0, 12.0), (3, 13.5, 12.0)], start=6):
        for f in Scene(seed).frames(seconds, fast_from=fast_from, fast_speed=100.0, caption=True):
            rows.append((len(images), int(f.pts >= fast_from), seq))
            images.append(f.image)
    _write_video(root / "clip.avi", images, FPS)
    with (root / "labels.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["frame", "abnormal", "sequence", "scene"])
        w.writerows([(i, a, s, "indoor") for i, a, s in rows])
    return root


@pytest.fixture(scope="module")
def clips_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Frame folders (UCSD Ped2 layout) at 10 fps: two normal training clips, one test clip with a fast blob."""
    root = tmp_path_factory.mktemp("ped2like")
    scene = Scene(1)
    for clip, t0 in (("01", 0.0), ("02", 100.0)):
        d = root / "training" / "frames" / clip
        d.mkdir(parents=True)
        for i, f in enumerate(scene.frames(15.0, t0=t0, fps=10.0)):
            cv2.imwrite(str(d / f"{i:03d}.jpg"), f.image)
    d = root / "testing" / "frames" / "01"
    d.mkdir(parents=True)
    rows = []
    for i, f in enumerate(scene.frames(10.0, t0=200.0, fast_from=205.0, fast_speed=80.0, fps=10.0)):
        cv2.imwrite(str(d / f"{i:03d}.jpg"), f.image)
        rows.append(("01", i, f"testing/frames/01/{i:03d}.jpg", int(f.pts >= 205.0)))
    with (root / "labels.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["video", "frame", "file", "abnormal"])
        w.writerows(rows)
    return root


def _args(tmp_path: Path, *datasets: Path, **kw: object) -> argparse.Namespace:
    return argparse.Namespace(
        datasets=list(datasets), train=None, json=tmp_path / "out.json", scores=tmp_path / "scores.csv", **kw
    )


def test_layouts_are_recognised(scenes_dataset: Path, clips_dataset: Path) -> None:
    a = load_dataset(scenes_dataset)
    assert a.protocol == "scenes" and [c.name for c in a.clips] == ["seq6", "seq7"] and a.mask_rows == 31
    b = load_dataset(clips_dataset)
    assert b.protocol == "clips" and b.fps == 10.0 and b.train == clips_dataset / "training" / "frames"
    assert [c.name for c in b.clips] == ["01"] and int(b.clips[0].labels.sum()) == 50
    assert [p.name for p in training_inputs(b.train)] == ["01", "02"]


def test_eval_reports_and_scores(tmp_path: Path, scenes_dataset: Path, clips_dataset: Path) -> None:
    assert run_eval_anomaly_command(_args(tmp_path, scenes_dataset, clips_dataset)) == 0
    report = json.loads((tmp_path / "out.json").read_text())
    umn, ped = report["datasets"][scenes_dataset.name], report["datasets"][clips_dataset.name]
    for d in (umn, ped):
        c = d["scene_model"]
        assert c["auc"] > 0.95 and c["ap"] > 0.9
        assert c["detected"] == c["onsets"] and all(0 <= x["delay_s"] <= 1.5 for x in c["delays"])
        assert c["false_alarms"] == 0
        assert d["scene_ms_per_frame"] > 0
    assert umn["learn_seconds"] == 10.0 and set(umn["scene_model"]["clips"]) == {"seq6", "seq7"}
    with (tmp_path / "scores.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["dataset", "clip", "frame", "score"]
    ped_rows = [r for r in rows if r["dataset"] == clips_dataset.name]
    assert [int(r["frame"]) for r in ped_rows] == list(range(100))  # every test frame, labels' numbering
    first = [float(r["score"]) for r in ped_rows[:4]]
    assert first[0] == first[1] == first[2] != 0.0  # frames 0-1 have no motion yet: they take frame 2's
    umn_rows = [r for r in rows if r["dataset"] == scenes_dataset.name and r["clip"] == "seq7"]
    assert int(umn_rows[0]["frame"]) == 280 + 200  # scene 2 starts at frame 280; the first 10 s are learned on


def test_abnormal_frames_in_the_learning_seconds_are_an_error(tmp_path: Path, scenes_dataset: Path) -> None:
    with pytest.raises(DatasetError, match="within its first 13 s"):
        run_eval_anomaly_command(_args(tmp_path, scenes_dataset, learn_seconds=13.0))


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (None, "no labels.csv"),
        ("a,b\n1,2\n", "unknown columns"),
        ("frame,abnormal\n0,0\n1,x\n", r"labels.csv:3: column 'abnormal' must be 0 or 1"),
        ("frame,abnormal\n0,0\n2,0\n", "without gaps"),
        ("video,frame,file,abnormal\n01,0,testing/frames/01/000.jpg,0\n", "does not exist"),
    ],
)
def test_bad_datasets(tmp_path: Path, labels: str | None, match: str) -> None:
    if labels is not None:
        (tmp_path / "labels.csv").write_text(labels)
        (tmp_path / "v.avi").write_bytes(b"")
    with pytest.raises(DatasetError, match=match):
        load_dataset(tmp_path)


def test_rules_column_gives_the_engine_the_masked_frames(
    tmp_path: Path, scenes_dataset: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--rules runs the rules as `vigil analyze` does: with the frame (caption rows blanked), for motion evidence."""
    from vigil.analytics import AnalyticsEngine

    seen: list[np.ndarray | None] = []
    real = AnalyticsEngine.evaluate

    def spy(self: AnalyticsEngine, *a: object, **kw: object) -> object:
        seen.append(kw.get("image"))  # type: ignore[arg-type]
        return real(self, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(AnalyticsEngine, "evaluate", spy)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        f"detector: {{model_dir: {models_dir}}}\n"
        "rules:\n  - {type: crowd_running, motion: true}\n  - {type: dispersal, motion: true}\n",
        encoding="utf-8",
    )
    args = _args(tmp_path, scenes_dataset, rules=True, config=cfg)
    assert run_eval_anomaly_command(args) == 0
    images = [im for im in seen if im is not None]
    assert len(images) == len(seen) > 0
    assert all(not im[:31].any() and im[31:].any() for im in images[:50])
    report = json.loads((tmp_path / "out.json").read_text())
    assert "rules" in report["datasets"][scenes_dataset.name]
