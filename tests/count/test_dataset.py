"""The counting dataset layout: frames/ + labels.csv, and the errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from countfakes import write_dataset

from vigil.count import load_counting_dataset
from vigil.errors import DatasetError


def test_load(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "cam", [(3, 1), (5, 0), (2, 2)])
    ds = load_counting_dataset(root)
    assert ds.name == "cam" and len(ds) == 3
    assert ds.frames.tolist() == [1, 2, 3]
    assert ds.counts.tolist() == [4, 5, 4]
    assert ds.times is None
    assert ds.frame_times(2.0).tolist() == [0.0, 0.5, 1.0]
    assert ds.image(1).shape == (112, 144, 3)
    sub = ds.subset(slice(1, None))
    assert sub.frames.tolist() == [2, 3] and sub.paths == ds.paths[1:]


def test_rows_are_sorted_and_extra_images_ignored(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "cam", [(1, 0), (2, 0), (3, 0)])
    (root / "labels.csv").write_text("frame,count\n3,3\n1,1\n")
    ds = load_counting_dataset(root)
    assert ds.frames.tolist() == [1, 3] and ds.counts.tolist() == [1, 3]


def test_frame_given_by_file_name(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "cam", [(1, 0), (2, 0)])
    (root / "labels.csv").write_text("frame,count\nseq_000002.png,2\n")
    assert load_counting_dataset(root).frames.tolist() == [2]


def test_time_column(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "cam", [(1, 0), (2, 0), (1, 1)], times=[0.0, 0.7, 1.9])
    ds = load_counting_dataset(root)
    assert ds.times is not None and ds.frame_times(25.0).tolist() == [0.0, 0.7, 1.9]


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        (None, "no labels.csv"),
        ("frame;count\n1;3\n", "header must name columns 'frame' and 'count'"),
        ("frame,count\n1,three\n", "line 2: 'count' is not a number"),
        ("frame,count\n1,-2\n", "line 2: 'count' must not be negative"),
        ("frame,count\n1,nan\n", "line 2: 'count' is not finite"),
        ("frame,count\n1,3\n1,4\n", "frame 1 is listed more than once"),
        ("frame,count\n", "no labelled frames"),
        ("frame,count\n,3\n", "line 2: empty 'frame'"),
        ("frame,count,time\n1,3,0\n2,3,\n", "'time' is empty for some frames"),
        ("frame,count,time\n1,3,1.0\n2,3,0.5\n", "'time' must increase"),
    ],
)
def test_bad_labels(tmp_path: Path, labels: str | None, error: str) -> None:
    root = write_dataset(tmp_path / "cam", [(1, 0), (2, 0)])
    if labels is None:
        (root / "labels.csv").unlink()
    else:
        (root / "labels.csv").write_text(labels)
    with pytest.raises(DatasetError, match=error) as ei:
        load_counting_dataset(root)
    assert str(root) in str(ei.value)


def test_listed_frame_without_image_names_the_frame(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "cam", [(1, 0), (2, 0)])
    (root / "frames" / "seq_000002.png").unlink()
    with pytest.raises(DatasetError, match=r"labels.csv line 3: frame 2 has no image in .*frames"):
        load_counting_dataset(root)


def test_unreadable_image_names_the_file(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "cam", [(1, 0), (2, 0)])
    bad = root / "frames" / "seq_000002.png"
    bad.write_bytes(b"not a png")
    ds = load_counting_dataset(root)
    with pytest.raises(DatasetError, match="is not a readable image") as ei:
        ds.image(1)
    assert str(bad) in str(ei.value)


@pytest.mark.parametrize("missing", ["folder", "frames"])
def test_missing_folders(tmp_path: Path, missing: str) -> None:
    root = tmp_path / "cam"
    if missing == "frames":
        root.mkdir()
        (root / "labels.csv").write_text("frame,count\n1,1\n")
    with pytest.raises(DatasetError, match="does not exist" if missing == "folder" else "no frames/"):
        load_counting_dataset(root)


def test_counts_are_floats(tmp_path: Path) -> None:
    root = write_dataset(tmp_path / "cam", [(1, 0)])
    (root / "labels.csv").write_text("frame,count\n1,2.5\n")
    assert np.allclose(load_counting_dataset(root).counts, [2.5])
