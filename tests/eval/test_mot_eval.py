"""Tracking MOT sequences and scoring them, on sequences made in tmp_path (plus one data test)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from vigil.cli import main
from vigil.detect.base import StageTimes
from vigil.errors import DatasetError
from vigil.eval.metrics import evaluate_sequence
from vigil.eval.mot import TrackTiming, evaluate, track_sequence
from vigil.eval.motdata import load_gt, load_sequence, public_detections, read_mot_file
from vigil.types import Detections, Image, Tracks

FPS, FRAMES, W, H = 5, 12, 160, 120


def walkers(frame: int) -> list[tuple[int, int, int, int, int]]:
    """(id, left, top, width, height) of two people crossing the image."""
    return [(1, 5 + 6 * frame, 20, 16, 40), (2, 140 - 6 * frame, 70, 16, 40)]


def make_sequence(root: Path, images: bool = False, gt: bool = True) -> Path:
    d = root / "SYN-1"
    (d / "det").mkdir(parents=True)
    (d / "seqinfo.ini").write_text(
        f"[Sequence]\nname=SYN-1\nimDir=img1\nframeRate={FPS}\nseqLength={FRAMES}\nimWidth={W}\nimHeight={H}\n"
        "imExt=.jpg\n"
    )
    gt_lines, det_lines = [], []
    for f in range(1, FRAMES + 1):
        for i, x, y, w, h in walkers(f):
            gt_lines.append(f"{f},{i},{x},{y},{w},{h},1,-1,-1,-1")
            det_lines.append(f"{f},-1,{x + 0.5},{y - 0.5},{w},{h},0.9,-1,-1,-1")
    if gt:
        (d / "gt").mkdir()
        (d / "gt" / "gt.txt").write_text("\n".join(gt_lines) + "\n")
    (d / "det" / "det.txt").write_text("\n".join(det_lines) + "\n")
    if images:
        (d / "img1").mkdir()
        for f in range(1, FRAMES + 1):
            img = np.zeros((H, W, 3), np.uint8)
            for _, x, y, w, h in walkers(f):
                cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), (255, 255, 255), thickness=-1)
            cv2.imwrite(str(d / "img1" / f"{f:06d}.png"), img)
    return d


class BlobDetector:
    """Finds white rectangles (class person) and always reports a 'car' (class 2) in a corner."""

    def __init__(self) -> None:
        self.times = StageTimes()

    def detect(self, image: Image) -> Detections:
        self.times.calls += 1
        mask = (image[:, :, 0] > 127).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        tlwh = [cv2.boundingRect(c) for c in contours] + [(0, 0, 10, 10)]
        return Detections.from_tlwh(
            np.array(tlwh, np.float32), np.full(len(tlwh), 0.9, np.float32), [0] * (len(tlwh) - 1) + [2]
        )


class RecordingTracker:
    """Reports every detection as a track with id = its index + 1; remembers the times it was given."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.classes: set[int] = set()

    def update(self, detections: Detections, t: float) -> Tracks:
        self.times.append(t)
        self.classes |= set(detections.class_ids.tolist())
        order = np.argsort(detections.xyxy[:, 1])  # by top edge: walker 1 is higher
        d = detections[order]
        return Tracks(d.xyxy, np.arange(1, len(d) + 1), d.scores, d.class_ids)

    def finished(self) -> list[int]:
        return []


def test_track_sequence_public_detections(tmp_path: Path) -> None:
    seq = load_sequence(make_sequence(tmp_path))
    tracker = RecordingTracker()
    timing = TrackTiming()
    rows = track_sequence(seq, tracker, public_detections(seq), timing)
    assert tracker.times == pytest.approx([(f - 1) / FPS for f in range(1, FRAMES + 1)])
    assert timing.frames == FRAMES and timing.tracker_seconds > 0 and timing.tracker_fps > 0
    assert rows.shape == (2 * FRAMES, 10)
    np.testing.assert_array_equal(rows[:, 6:], np.tile([1, -1, -1, -1], (2 * FRAMES, 1)))
    first = rows[rows[:, 0] == 1]
    np.testing.assert_allclose(first[:, 1:6], [[1, 11.5, 19.5, 16, 40], [2, 134.5, 69.5, 16, 40]])
    s, _ = evaluate_sequence(load_gt(seq), rows, seq.length)
    assert s.MOTA == pytest.approx(1.0) and s.IDF1 == pytest.approx(1.0)


def test_track_sequence_runs_the_detector_on_images_and_keeps_persons(tmp_path: Path) -> None:
    seq = load_sequence(make_sequence(tmp_path, images=True))
    detector, tracker = BlobDetector(), RecordingTracker()
    timing = TrackTiming()
    rows = track_sequence(seq, tracker, detector, timing)
    assert detector.times.calls == FRAMES and timing.detector_seconds > 0
    assert tracker.classes == {0}  # the 'car' never reaches the tracker
    s, _ = evaluate_sequence(load_gt(seq), rows, seq.length)
    assert (s.TP, s.FP, s.FN, s.IDSW) == (2 * FRAMES, 0, 0, 0)
    assert s.HOTA == pytest.approx(1.0)


def test_evaluate_reference_tracker_and_write_tracks(tmp_path: Path) -> None:
    seq = load_sequence(make_sequence(tmp_path))
    report = evaluate([seq], "trackers-sort", out_dir=tmp_path / "out")
    s = report.sequences["SYN-1"]
    # SORT confirms a track after 3 consecutive hits, so each walker's first 2 frames are missed
    assert (s.FN, s.FP, s.IDSW) == (4, 0, 0)
    assert s.MOTA == pytest.approx(1 - 4 / (2 * FRAMES))
    assert report.combined == s  # one sequence: combined is that sequence
    assert report.tracker_fps > 0
    written = read_mot_file(tmp_path / "out" / "SYN-1.txt")
    assert len(written) == s.num_pred_dets
    assert evaluate_sequence(load_gt(seq), written, seq.length)[0].MOTA == pytest.approx(s.MOTA)
    js = report.to_json()
    assert js["tracker"] == "trackers-sort" and js["detections"] == "public"
    assert js["sequences"]["SYN-1"]["MOTA"] == pytest.approx(s.MOTA, abs=1e-6)


def test_evaluate_missing_gt_names_the_folder(tmp_path: Path) -> None:
    seq = load_sequence(make_sequence(tmp_path, gt=False))
    with pytest.raises(DatasetError, match="no ground truth") as err:
        evaluate([seq], "trackers-sort")
    assert str(seq.root) in str(err.value)


def test_evaluate_detector_mode_needs_images(tmp_path: Path) -> None:
    seq = load_sequence(make_sequence(tmp_path))
    with pytest.raises(DatasetError, match="no images"):
        evaluate([seq], "trackers-sort", detections="detector", detector=BlobDetector())


def test_cli_missing_gt_exits_2_naming_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = make_sequence(tmp_path, gt=False)
    assert main(["eval", "mot", str(tmp_path), "--detections", "public", "--tracker", "trackers-sort"]) == 2
    err = capsys.readouterr().err
    assert "no ground truth" in err and str(d) in err


@pytest.mark.data
def test_cli_eval_mot_on_tud_campus_writes_json(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seq_dir = data_dir / "mot" / "TUD-Campus"
    if not (seq_dir / "det" / "det.txt").is_file():
        pytest.skip(f"{seq_dir} has no det/det.txt")
    out_json = tmp_path / "m" / "metrics.json"
    rc = main(
        [
            "eval",
            "mot",
            str(seq_dir),
            "--detections",
            "public",
            "--tracker",
            "sv-bytetrack",
            "--json",
            str(out_json),
            "--out",
            str(tmp_path / "tracks"),
        ]
    )
    assert rc == 0
    table = capsys.readouterr().out
    assert "TUD-Campus" in table and "combined" in table and "HOTA" in table
    js = json.loads(out_json.read_text())
    assert js["tracker"] == "sv-bytetrack" and js["detections"] == "public"
    assert set(js) == {"tracker", "detections", "sequences", "combined"}
    seq = js["sequences"]["TUD-Campus"]
    for key in ("HOTA", "MOTA", "IDF1", "IDSW", "DetA", "AssA", "FP", "FN", "num_frames", "tracker_fps"):
        assert key in seq and key in js["combined"], key
    assert seq["num_frames"] == 71
    # sv.ByteTrack defaults on these Faster R-CNN detections (supervision 0.29): HOTA 0.481, MOTA 0.596
    assert seq["HOTA"] == pytest.approx(0.481, abs=0.02) and seq["MOTA"] == pytest.approx(0.596, abs=0.02)
    assert js["combined"]["MOTA"] == pytest.approx(seq["MOTA"])
    assert (tmp_path / "tracks" / "TUD-Campus.txt").is_file()
