"""ImageFolderSource: plain folders and MOTChallenge sequences, rates, order, bad images."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from vigil.errors import SourceFormatError, SourceNotFoundError
from vigil.sources import ImageFolderSource, Source

from .clips import frame_number, make_images, write_seqinfo


@pytest.fixture()
def mot_seq(tmp_path: Path) -> Path:
    seq = tmp_path / "MOT-TEST"
    make_images(seq / "img1", 12)
    write_seqinfo(seq, frame_rate=10, length=12, name="MOT-TEST")
    (seq / "gt").mkdir()
    return seq


def test_sequence_folder_uses_seqinfo_rate(mot_seq: Path) -> None:
    with ImageFolderSource(mot_seq) as src:
        assert isinstance(src, Source)
        assert src.name == "MOT-TEST" and src.fps == 10.0 and src.frame_count == 12
        frames = list(src)
    assert [frame_number(f.image) for f in frames] == list(range(12))
    assert [f.pts for f in frames] == pytest.approx([i / 10 for i in range(12)])
    assert frames[0].image.shape == (48, 64, 3)


def test_img1_folder_finds_parent_seqinfo(mot_seq: Path) -> None:
    with ImageFolderSource(mot_seq / "img1", fps=None) as src:
        assert src.fps == 10.0 and src.name == "MOT-TEST"
        assert len(list(src)) == 12


def test_seqinfo_rate_wins_over_fps_which_then_limits(mot_seq: Path) -> None:
    with ImageFolderSource(mot_seq, fps=5) as src:
        assert src.fps == 10.0 and src.frame_count == 12 and src.selected_count == 6
        assert [f.pts for f in src] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])


def test_seq_length_bounds_the_images(tmp_path: Path) -> None:
    seq = tmp_path / "S"
    make_images(seq / "img1", 8)
    write_seqinfo(seq, frame_rate=25, length=5)
    with ImageFolderSource(seq) as src:
        assert src.frame_count == 5 and src.selected_count == 5 and len(list(src)) == 5


def test_plain_folder_with_explicit_rate(tmp_path: Path) -> None:
    make_images(tmp_path / "shots", 5, ext=".jpg")
    with ImageFolderSource(tmp_path / "shots", frame_rate=4) as src:
        assert src.name == "shots"
        assert [f.pts for f in src] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])


def test_unknown_rate_defaults_to_25_with_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_images(tmp_path / "shots", 3, ext=".bmp")
    with caplog.at_level(logging.WARNING, logger="vigil.sources"):
        src = ImageFolderSource(tmp_path / "shots")
    with src:
        assert src.fps == 25.0
        assert [f.pts for f in src] == pytest.approx([0.0, 0.04, 0.08])
    assert any("assuming 25 fps" in r.getMessage() for r in caplog.records)


def test_natural_order(tmp_path: Path) -> None:
    make_images(tmp_path / "n", 12, pattern="frame{}")  # frame1 .. frame12, unpadded
    (tmp_path / "n" / "notes.txt").write_text("not an image")
    with ImageFolderSource(tmp_path / "n", frame_rate=10) as src:
        assert [frame_number(f.image) for f in src] == list(range(12))


def test_unreadable_image_is_skipped_and_counted(tmp_path: Path) -> None:
    paths = make_images(tmp_path / "seq", 6)
    paths[2].write_bytes(b"\x89PNG\r\n\x1a\n but then nothing useful")
    with ImageFolderSource(tmp_path / "seq", frame_rate=10) as src:
        frames = list(src)
        health = src.health()
    assert [frame_number(f.image) for f in frames] == [0, 1, 3, 4, 5]
    assert [f.pts for f in frames] == pytest.approx([0.0, 0.1, 0.3, 0.4, 0.5])  # time keeps the file's slot
    assert [f.index for f in frames] == [0, 1, 2, 3, 4]
    assert health.corrupt_frames == 1 and health.frames == 5
    assert health.last_error is not None and "000003.png" in health.last_error


def test_start_end(mot_seq: Path) -> None:
    with ImageFolderSource(mot_seq, start=0.3, end=0.7) as src:
        assert src.frame_count == 12 and src.selected_count == 4
        assert [frame_number(f.image) for f in src] == [3, 4, 5, 6]


def test_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "empty" / "img1").mkdir(parents=True)
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(SourceFormatError, match=r"empty holds no images"):
        ImageFolderSource(tmp_path / "empty")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match=r"nowhere does not exist"):
        ImageFolderSource(tmp_path / "nowhere")


def test_bad_seqinfo_rate_names_file_and_field(tmp_path: Path) -> None:
    make_images(tmp_path / "S" / "img1", 2)
    write_seqinfo(tmp_path / "S", frame_rate="fast")
    with pytest.raises(SourceFormatError, match=r"seqinfo\.ini: frameRate='fast' is not a number"):
        ImageFolderSource(tmp_path / "S")


def test_close_stops_early(mot_seq: Path) -> None:
    src = ImageFolderSource(mot_seq)
    assert src.read() is not None
    src.close()
    assert src.read() is None


@pytest.mark.data
def test_mot_sequence_from_shared_data(data_dir: Path) -> None:
    with ImageFolderSource(data_dir / "mot" / "TUD-Campus") as src:
        assert src.fps == 25.0 and src.frame_count == 71
        frames = list(src)
    assert len(frames) == 71 and frames[-1].pts == pytest.approx(70 / 25)
    assert frames[0].image.shape == (480, 640, 3)
