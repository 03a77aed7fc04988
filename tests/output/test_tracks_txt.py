from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from vigil.errors import OutputError
from vigil.output import TracksTxtWriter
from vigil.types import Tracks

MakeTracks = Callable[..., Tracks]


def test_lines_are_exact_mot_format(tmp_path: Path, tracks_of: MakeTracks) -> None:
    path = tmp_path / "out" / "tracks.txt"
    two = tracks_of([(10, 20, 50, 120), (0.5, 1.25, 3.5, 4.75)], [3, 7], classes=[0, 2], scores=[0.9, 0.25])
    with TracksTxtWriter(path) as w:
        w.write(1, two)
        w.write(2, Tracks.empty())
        w.write(3, two[:1])
    assert path.read_text() == (
        "1,3,10.00,20.00,40.00,100.00,0.900,-1,-1,-1\n"
        "1,7,0.50,1.25,3.00,3.50,0.250,-1,-1,-1\n"
        "3,3,10.00,20.00,40.00,100.00,0.900,-1,-1,-1\n"
    )
    assert w.lines_written == 3


def test_class_filter_keeps_only_the_chosen_classes(tmp_path: Path, tracks_of: MakeTracks) -> None:
    path = tmp_path / "tracks.txt"
    mixed = tracks_of([(0, 0, 10, 30), (5, 5, 60, 30), (1, 1, 2, 2)], [1, 2, 3], classes=[0, 2, 0])
    with TracksTxtWriter(path, classes={0}) as w:
        w.write(1, mixed)
        w.write(2, mixed[1:2])  # only a car: nothing written
    assert [line.split(",")[:2] for line in path.read_text().splitlines()] == [["1", "1"], ["1", "3"]]


def test_lines_are_streamed_before_close(tmp_path: Path, tracks_of: MakeTracks) -> None:
    path = tmp_path / "tracks.txt"
    w = TracksTxtWriter(path)
    for f in range(1, 3000):
        w.write(f, tracks_of([(0, 0, 10, 10)], [1]))
    assert path.stat().st_size > 0  # the buffer spilled to disk: nothing accumulates in memory
    w.close()
    assert len(path.read_text().splitlines()) == 2999


def test_frame_numbers_are_one_based(tmp_path: Path, tracks_of: MakeTracks) -> None:
    with TracksTxtWriter(tmp_path / "t.txt") as w, pytest.raises(ValueError, match="1-based"):
        w.write(0, tracks_of([(0, 0, 1, 1)], [1]))


def test_write_after_close_and_bad_path_name_the_file(tmp_path: Path) -> None:
    w = TracksTxtWriter(tmp_path / "t.txt")
    w.close()
    w.close()  # idempotent
    with pytest.raises(OutputError, match="t.txt: write after close"):
        w.write(1, Tracks.empty())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="file"):
        TracksTxtWriter(blocker / "tracks.txt")
