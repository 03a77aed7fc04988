"""Fixtures of the `vigil serve` tests: a short H.264 cut of vtest.avi, a broker, a webhook receiver."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from vigil.delivery._broker import LocalMosquitto, find_mosquitto
from vigil.delivery._receiver import WebhookReceiver

SECRET = b"serve-test-secret"


@pytest.fixture(scope="session")
def vtest_h264(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 30 s of the shared vtest.avi as H.264 (what an RTSP camera sends)."""
    src = data_dir / "videos" / "vtest.avi"
    if not src.is_file():
        pytest.skip(f"{src} not found (shared data)")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg not found (apt-get install ffmpeg)")
    out = tmp_path_factory.mktemp("serve-video") / "vtest.mp4"
    subprocess.run(
        [ffmpeg, "-loglevel", "error", "-i", str(src), "-t", "30", "-c:v", "libx264", "-preset", "ultrafast",
         "-g", "10", "-pix_fmt", "yuv420p", "-an", str(out)],
        check=True, timeout=120,
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[LocalMosquitto]:
    if find_mosquitto() is None:
        pytest.skip("mosquitto binary not found (apt-get install mosquitto)")
    with LocalMosquitto() as broker:
        yield broker


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as r:
        yield r
