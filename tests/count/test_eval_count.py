"""`vigil eval count` on tiny generated datasets, with a blob detector standing in for the network."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from countfakes import BlobDetector, write_dataset

from vigil.count import CountCalibration, load_counting_dataset
from vigil.errors import ConfigError, DatasetError
from vigil.eval import count_cmd
from vigil.eval.count import (
    CountProtocol,
    detect_scores,
    evaluate_counting,
    score_dataset,
)

# (confident, doubtful) people per frame: the detector scores doubtful ones 50/255 = 0.2
FRAMES = [(8, 2), (10, 3), (12, 1), (6, 4), (9, 2), (11, 0), (7, 3), (13, 2), (10, 1), (8, 4), (12, 2), (9, 3)]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "cam", FRAMES)


def namespace(datasets: list[Path], **kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {"datasets": datasets, "train": None, "calibrate_frames": 6, "json": None,
                            "config": None, "tiles": None}
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.fixture
def fake_detector(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None]]:
    made: list[tuple[str | None]] = []

    def create(detector: object, counting: object, tiles: str | None = None) -> BlobDetector:
        made.append((tiles,))
        return BlobDetector()

    monkeypatch.setattr(count_cmd, "create_counting_detector", create)
    return made


def test_detect_scores(dataset: Path, blob_detector: BlobDetector) -> None:
    ds = load_counting_dataset(dataset)
    fs = detect_scores(blob_detector, ds)
    assert [len(s) for s in fs.scores] == [a + b for a, b in FRAMES]
    assert blob_detector.calls == len(FRAMES) and fs.ms_per_frame >= 0


def test_calibration_learns_to_count_doubtful_people(dataset: Path, blob_detector: BlobDetector) -> None:
    ds = load_counting_dataset(dataset)
    scores = detect_scores(blob_detector, ds)
    protocol = CountProtocol(calibrate_frames=6, thresholds=(0.1, 0.5), smoothing="off")
    calibrated = score_dataset(ds, scores, protocol)
    assert calibrated.frames_scored == 6 and calibrated.calibration_frames == 6
    assert calibrated.calibration.threshold == pytest.approx(0.1)
    assert calibrated.mae == pytest.approx(0.0, abs=1e-6) and calibrated.rmse == pytest.approx(0.0, abs=1e-6)
    assert calibrated.frames.tolist() == list(range(7, 13))

    raw = score_dataset(ds, scores, CountProtocol(calibrate_frames=0, smoothing="off"))
    missed = np.array([b for _, b in FRAMES], float)
    assert raw.frames_scored == len(FRAMES) and raw.calibration_frames == 0
    assert raw.mae == pytest.approx(missed.mean())
    assert raw.rmse == pytest.approx(np.sqrt((missed**2).mean()))


def test_smoothing_is_applied_by_time(dataset: Path, blob_detector: BlobDetector) -> None:
    ds = load_counting_dataset(dataset)
    scores = detect_scores(blob_detector, ds)
    protocol = CountProtocol(calibrate_frames=0, smoothing="mean", window=100.0, fps=1.0)
    r = score_dataset(ds, scores, protocol)
    sure = np.array([a for a, _ in FRAMES], float)
    np.testing.assert_allclose(r.predicted, sure.mean())  # the window holds every frame
    assert r.raw_mae != r.mae


def test_too_few_frames_to_score(dataset: Path, blob_detector: BlobDetector) -> None:
    ds = load_counting_dataset(dataset)
    with pytest.raises(DatasetError, match="leave none to score"):
        score_dataset(ds, detect_scores(blob_detector, ds), CountProtocol(calibrate_frames=12))


def test_training_set_calibrates_and_every_frame_is_scored(tmp_path: Path, blob_detector: BlobDetector) -> None:
    train = load_counting_dataset(write_dataset(tmp_path / "train", FRAMES[:6], seed=1))
    test = load_counting_dataset(write_dataset(tmp_path / "test", FRAMES[6:], seed=2))
    results, fitted = evaluate_counting(
        [test], blob_detector, CountProtocol(thresholds=(0.1, 0.5), smoothing="off"), train=train
    )
    assert fitted is not None and fitted.frames == 6
    assert results[0].frames_scored == 6 and results[0].calibration_frames == 6
    assert results[0].mae == pytest.approx(0.0, abs=1e-6)


def test_command_writes_json(dataset: Path, tmp_path: Path, fake_detector: list[tuple[str | None]],
                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "res" / "count.json"
    code = count_cmd.run_eval_count_command(namespace([dataset], json=out, tiles="3x3", smoothing="off"))
    assert code == 0
    assert fake_detector == [("3x3",)]
    data = json.loads(out.read_text())
    r = data["cam"]
    assert r["frames_scored"] == 6 and r["calibration_frames"] == 6
    assert r["mae"] == pytest.approx(0.0, abs=1e-3) and r["rmse"] == pytest.approx(0.0, abs=1e-3)
    assert r["ms_per_frame"] >= 0 and "tiles 3x3" in r["method"]
    assert CountCalibration.from_json(r["calibration"]).threshold <= 0.15
    printed = capsys.readouterr().out
    assert "cam" in printed and "MAE" in printed


def test_command_saves_and_reuses_a_calibration(dataset: Path, tmp_path: Path,
                                                fake_detector: list[tuple[str | None]]) -> None:
    saved = tmp_path / "cal.json"
    count_cmd.run_eval_count_command(namespace([dataset], save_calibration=saved))
    cal = CountCalibration.load(saved)
    assert cal.frames == 6 and cal.setup["model"] == "yolox-nano"
    out = tmp_path / "again.json"
    count_cmd.run_eval_count_command(namespace([dataset], calibration=saved, json=out, smoothing="off"))
    r = json.loads(out.read_text())["cam"]
    assert r["frames_scored"] == len(FRAMES)  # a given calibration scores every frame
    assert r["mae"] == pytest.approx(0.0, abs=1e-3)


def test_command_with_training_folder(tmp_path: Path, fake_detector: list[tuple[str | None]]) -> None:
    train = write_dataset(tmp_path / "train", FRAMES[:6], seed=1)
    test = write_dataset(tmp_path / "test", FRAMES[6:], seed=2)
    out = tmp_path / "r.json"
    count_cmd.run_eval_count_command(namespace([test], train=train, json=out))
    r = json.loads(out.read_text())["test"]
    assert r["frames_scored"] == 6 and r["calibration_frames"] == 6 and str(train) in r["calibration_source"]


@pytest.mark.parametrize(
    ("breakage", "error"),
    [("labels", "no labels.csv"), ("image", "frame 3 has no image")],
)
def test_command_bad_dataset(dataset: Path, fake_detector: list[tuple[str | None]], breakage: str,
                             error: str) -> None:
    if breakage == "labels":
        (dataset / "labels.csv").unlink()
    else:
        (dataset / "frames" / "seq_000003.png").unlink()
    with pytest.raises(DatasetError, match=error):
        count_cmd.run_eval_count_command(namespace([dataset]))
    assert fake_detector == []  # nothing is run before the data checks out


@pytest.mark.parametrize(
    ("kw", "error"),
    [({"tiles": "3by3"}, "--tiles 3by3"), ({"calibrate_frames": -1}, "must not be negative"),
     ({"calibrate_frames": 0, "save_calibration": Path("x.json")}, "nothing to save")],
)
def test_command_bad_options(dataset: Path, fake_detector: list[tuple[str | None]], kw: dict[str, Any],
                             error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        count_cmd.run_eval_count_command(namespace([dataset], **kw))


def test_command_warns_about_a_calibration_from_another_setup(
    dataset: Path, tmp_path: Path, fake_detector: list[tuple[str | None]], caplog: pytest.LogCaptureFixture
) -> None:
    saved = tmp_path / "cal.json"
    count_cmd.run_eval_count_command(namespace([dataset], save_calibration=saved))
    with caplog.at_level("WARNING", logger="vigil.eval.count_cmd"):
        count_cmd.run_eval_count_command(namespace([dataset], calibration=saved, tiles="3x3"))
    assert "another detector setup" in caplog.text and "tiles" in caplog.text
