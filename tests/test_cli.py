"""The CLI: each kind of bad input exits 2 with one line naming the input and the problem."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from vigil import __version__
from vigil.cli import main


def _write_clip(path: Path, frames: int = 30, fps: int = 10) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
        for i in range(frames):
            img = np.zeros((120, 160, 3), np.uint8)
            img[40:80, 5 * i % 140 : 5 * i % 140 + 20] = 255
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    return code, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ei:
        main(["--version"])
    assert ei.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.mp4"
    code, err = _run(["analyze", str(missing), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.count("\n") == 0 and str(missing) in err and "not" in err.lower()


def test_text_file_named_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 50)
    code, err = _run(["analyze", str(fake), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.count("\n") == 0 and str(fake) in err


def test_truncated_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write_clip(tmp_path / "good.mp4")
    data = good.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # moov atom is at the end: nothing decodable remains
    code, err = _run(["analyze", str(cut), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.count("\n") == 0 and str(cut) in err


def test_empty_image_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "img1"
    empty.mkdir()
    (empty / "readme.txt").write_text("no images here")
    code, err = _run(["analyze", str(empty), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.count("\n") == 0 and str(empty) in err and "image" in err.lower()


def test_unreachable_rtsp_is_bounded_by_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"rtsp://127.0.0.1:{_closed_port()}/cam"
    t0 = time.monotonic()
    code, err = _run(["analyze", url, "--timeout", "2", "--out", str(tmp_path / "o")], capsys)
    elapsed = time.monotonic() - t0
    assert code == 2
    assert err.count("\n") == 0 and url in err
    assert elapsed < 15


def test_invalid_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = _write_clip(tmp_path / "clip.mp4")
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x00garbage" * 100)
    code, err = _run(["analyze", str(clip), "--model", str(bad), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.count("\n") == 0 and str(bad) in err


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [
        ("camera: a\ndetector:\n  scor_threshold: 0.3\n", ":3: detector.scor_threshold: unknown key"),
        ("camera: a\ntracker:\n  lost_timeout: soon\n", ":3: tracker.lost_timeout"),
    ],
)
def test_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str], yaml_text: str, fragment: str) -> None:
    clip = _write_clip(tmp_path / "clip.mp4")
    cfg = tmp_path / "vigil.yaml"
    cfg.write_text(yaml_text)
    code, err = _run(["analyze", str(clip), "--config", str(cfg), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert err.count("\n") == 0 and str(cfg) + fragment in err


def test_traceback_only_with_debug(tmp_path: Path) -> None:
    missing = str(tmp_path / "gone.avi")
    plain = subprocess.run([sys.executable, "-m", "vigil", "analyze", missing], capture_output=True, text=True)
    debug = subprocess.run([sys.executable, "-m", "vigil", "--debug", "analyze", missing], capture_output=True, text=True)
    assert plain.returncode == 2 and debug.returncode == 2
    assert "Traceback" not in plain.stderr and len(plain.stderr.strip().splitlines()) == 1
    assert "Traceback" in debug.stderr


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["bench", "latency", "--duration", "0"], "--duration must be > 0"),
        (["bench", "latency", "--video", "/nonexistent/cam.avi"], "video /nonexistent/cam.avi not found"),
        (["bench", "outage", "--outage", "-5"], "--outage and --rate must be > 0"),
        (["users", "--db", "sqlite:///x.db", "--config", "serve.yaml", "list"], "either --db or --config"),
    ],
)
def test_bench_and_users_bad_options(argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(argv, capsys)
    assert code == 2 and fragment in err, err


def test_users_take_the_serve_config_before_or_after_the_action(tmp_path: Path) -> None:
    cfg = tmp_path / "serve.yaml"
    cfg.write_text(f"storage: {{data_dir: {tmp_path / 'data'}}}\ncameras:\n  - {{camera: a, source: x.mp4}}\n")

    def vigil(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vigil", "users", *args], input=stdin, capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip

    r = vigil("add", "boss", "--role", "admin", "--config", str(cfg), "--password-stdin", stdin="a-long-password-1\n")
    assert r.returncode == 0, r.stderr
    r = vigil("--config", str(cfg), "add", "op", "--role", "operator", "--cameras", "a", "--password-stdin",
              stdin="a-long-password-2\n")  # fmt: skip
    assert r.returncode == 0, r.stderr
    listed = vigil("list", "--config", str(cfg)).stdout
    assert "boss" in listed and "op" in listed and (tmp_path / "data" / "vigil.db").is_file()
