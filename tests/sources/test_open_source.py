"""open_source: the string picks the kind; options reach the source; bad inputs give clear errors."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from vigil.errors import ConfigError, SourceError, SourceFormatError, SourceNotFoundError, SourceUnreachableError
from vigil.sources import FileSource, ImageFolderSource, open_source

from .clips import make_images, write_seqinfo


def test_file_with_options(clips: dict[str, Path]) -> None:
    with open_source(str(clips["long"]), fps=5, start=0.4, end=1.4) as src:
        assert isinstance(src, FileSource) and src.name == "long"
        pts = [f.pts for f in src]
    assert pts == pytest.approx([0.4, 0.6, 0.8, 1.0, 1.2])


def test_sequence_folder(tmp_path: Path) -> None:
    make_images(tmp_path / "SEQ-1" / "img1", 4)
    write_seqinfo(tmp_path / "SEQ-1", frame_rate=20, name="SEQ-1")
    with open_source(str(tmp_path / "SEQ-1"), name="lobby") as src:
        assert isinstance(src, ImageFolderSource) and src.name == "lobby" and src.fps == 20.0
        assert len(list(src)) == 4


def test_folder_without_seqinfo_takes_fps_as_its_rate(tmp_path: Path) -> None:
    make_images(tmp_path / "frames", 6)
    with open_source(tmp_path / "frames", fps=5) as src:  # a Path works too
        assert src.fps == 5.0
        assert [f.pts for f in src] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match=r"gone\.mp4 does not exist"):
        open_source(str(tmp_path / "gone.mp4"))


def test_text_file_named_mp4(tmp_path: Path) -> None:
    (tmp_path / "fake.mp4").write_text("hello\n")
    with pytest.raises(SourceFormatError, match=r"fake\.mp4 is not a video FFmpeg can decode: .+"):
        open_source(str(tmp_path / "fake.mp4"))


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match=rf"{tmp_path.name} holds no images"):
        open_source(str(tmp_path))


def test_unreachable_rtsp_names_the_url_without_credentials() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    began = time.monotonic()
    with pytest.raises(SourceUnreachableError) as info:
        open_source(f"rtsp://admin:hunter2@127.0.0.1:{port}/x", timeout=2.0)
    assert time.monotonic() - began < 3.0
    message = str(info.value)
    assert f"rtsp://***@127.0.0.1:{port}/x" in message and "hunter2" not in message and "\n" not in message
    assert "hunter2" not in str(info.value.__cause__)  # nor in a traceback's chained FFmpeg error


@pytest.mark.parametrize("scheme", ["rtsp", "http"])
def test_silent_server_times_out_within_the_timeout(scheme: str) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        began = time.monotonic()
        with pytest.raises(SourceUnreachableError, match=rf"{scheme}://127\.0\.0\.1:{port}/cam: no answer within 1 s"):
            open_source(f"{scheme}://127.0.0.1:{port}/cam", timeout=1.0)
        assert 0.8 < time.monotonic() - began < 3.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="v4l2 devices are Linux only")
def test_missing_webcam() -> None:
    with pytest.raises(SourceNotFoundError, match=r"webcam:63: no video device /dev/video63"):
        open_source("webcam:63")


def test_bad_transport_and_spec() -> None:
    with pytest.raises(ConfigError, match="rtsp_transport must be 'tcp' or 'udp'"):
        open_source("rtsp://127.0.0.1:9/x", rtsp_transport="http")
    with pytest.raises(SourceError, match="unsupported URL scheme"):
        open_source("gopher://old/x")
    with pytest.raises(ConfigError, match="fps must be"):
        open_source("x.mp4", fps=-1)
