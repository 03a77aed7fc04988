"""MOT sequence folders and text files, made in tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vigil.errors import DatasetError
from vigil.eval.motdata import find_sequences, load_gt, load_sequence, public_detections, read_mot_file

SEQINFO = "[Sequence]\nname={name}\nimDir=img1\nframeRate={fps}\nseqLength={n}\nimWidth=64\nimHeight=48\nimExt=.jpg\n"


def make_seq(root: Path, name: str = "SEQ-1", fps: str = "10", n: int = 3, images: bool = False) -> Path:
    d = root / name
    (d / "gt").mkdir(parents=True)
    (d / "det").mkdir()
    (d / "seqinfo.ini").write_text(SEQINFO.format(name=name, fps=fps, n=n))
    (d / "gt" / "gt.txt").write_text("1,1,10,20,30,40,1,-1,-1,-1\n2,1,12,20,30,40,0,-1,-1,-1\n")
    (d / "det" / "det.txt").write_text(
        "1,-1,10,20,30,40,0.9,-1,-1,-1\n1,-1,50,5,10,10,0.3,-1,-1,-1\n3,-1,1,2,3,4,0.5\n"
    )
    if images:
        (d / "img1").mkdir()
        (d / "img1" / "000001.jpg").write_bytes(b"not really a jpeg")
    return d


def test_load_sequence_reads_seqinfo(tmp_path: Path) -> None:
    seq = load_sequence(make_seq(tmp_path, fps="7.5", n=5))
    assert (seq.name, seq.fps, seq.length, seq.width, seq.height) == ("SEQ-1", 7.5, 5, 64, 48)
    assert seq.img_dir is None  # no img1/ with images


def test_load_sequence_finds_images(tmp_path: Path) -> None:
    seq = load_sequence(make_seq(tmp_path, images=True))
    assert seq.img_dir == tmp_path / "SEQ-1" / "img1"


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        (None, "no seqinfo.ini"),
        ("[Other]\nx=1\n", r"no \[Sequence\] section"),
        ("[Sequence]\nseqLength=3\n", "missing key 'frameRate'"),
        ("[Sequence]\nframeRate=ten\nseqLength=3\n", "frameRate must be a number"),
        ("[Sequence]\nframeRate=0\nseqLength=3\n", "frameRate must be positive"),
        ("[Sequence]\nframeRate=10\n", "missing key 'seqLength'"),
        ("[Sequence]\nframeRate=10\nseqLength=3.5\n", "seqLength must be a whole number"),
        ("not an ini file", "cannot read"),
    ],
)
def test_load_sequence_errors_name_the_file(tmp_path: Path, ini: str | None, message: str) -> None:
    d = tmp_path / "bad"
    d.mkdir()
    if ini is not None:
        (d / "seqinfo.ini").write_text(ini)
    with pytest.raises(DatasetError, match=message) as err:
        load_sequence(d)
    assert str(d) in str(err.value)


def test_find_sequences_accepts_sequence_or_parent_folders(tmp_path: Path) -> None:
    make_seq(tmp_path, "B")
    make_seq(tmp_path, "A")
    (tmp_path / "not-a-seq").mkdir()
    seqs = find_sequences([tmp_path])
    assert [s.name for s in seqs] == ["A", "B"]
    # a sequence named twice (directly and via its parent) is listed once
    assert [s.name for s in find_sequences([tmp_path / "B", tmp_path])] == ["B", "A"]


def test_find_sequences_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such folder"):
        find_sequences([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="no MOT sequences"):
        find_sequences([tmp_path / "empty"])


def test_read_mot_file_pads_columns_and_skips_blank_lines(tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    f.write_text("1, 2, 3.5, 4, 5, 6\n\n2,3,1,1,1,1,0.25,-1,-1,-1,9\n")
    rows = read_mot_file(f)
    assert rows.dtype == np.float64 and rows.shape == (2, 11)
    np.testing.assert_array_equal(rows[0, :7], [1, 2, 3.5, 4, 5, 6, 1])  # 6 values: conf 1
    assert rows[0, 7] == -1 and rows[0, 10] == -1
    assert rows[1, 6] == 0.25 and rows[1, 10] == 9


def test_read_mot_file_empty(tmp_path: Path) -> None:
    f = tmp_path / "empty.txt"
    f.write_text("")
    assert read_mot_file(f).shape == (0, 10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,1,1,1,1,1,1\n1,2,x,1,1,1,1\n", ":2: expected comma-separated numbers"),
        ("1,1,1,1,1\n", ":1: expected at least 6 values"),
        ("0,1,1,1,1,1,1\n", ":1: frame must be a whole number >= 1"),
        ("\n1.5,1,1,1,1,1,1\n", ":2: frame must be"),
        ("1,1.5,1,1,1,1,1\n", ":1: id must be a whole number"),
        ("1,1,nan,1,1,1,1\n", ":1: values must be finite"),
    ],
)
def test_read_mot_file_malformed_line(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(DatasetError, match=message) as err:
        read_mot_file(f)
    assert str(err.value).startswith(f"{f}:")


def test_read_mot_file_missing(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="file not found"):
        read_mot_file(tmp_path / "nope.txt")


def test_public_detections_every_frame_person_xyxy(tmp_path: Path) -> None:
    seq = load_sequence(make_seq(tmp_path, n=3))
    dets = public_detections(seq)
    assert sorted(dets) == [1, 2, 3]
    assert len(dets[1]) == 2 and len(dets[2]) == 0 and len(dets[3]) == 1
    np.testing.assert_allclose(dets[1].xyxy[0], [10, 20, 40, 60])
    np.testing.assert_allclose(dets[1].scores, [0.9, 0.3], rtol=1e-6)
    assert dets[1].class_ids.tolist() == [0, 0]  # COCO person


def test_load_gt_and_missing_files_name_the_folder(tmp_path: Path) -> None:
    d = make_seq(tmp_path)
    seq = load_sequence(d)
    assert load_gt(seq).shape == (2, 10)
    (d / "gt" / "gt.txt").unlink()
    (d / "det" / "det.txt").unlink()
    with pytest.raises(DatasetError, match="no ground truth") as err:
        load_gt(seq)
    assert str(d) in str(err.value)
    with pytest.raises(DatasetError, match="no public detections"):
        public_detections(seq)
