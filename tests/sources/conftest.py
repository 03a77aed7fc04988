"""Fixtures for the source tests: clips generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from .clips import make_video


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small generated videos: name -> path (see each entry)."""
    d = tmp_path_factory.mktemp("clips")
    return {
        # 30 frames, 25 fps, H.264 in three containers
        "mp4": make_video(d / "c25.mp4"),
        "mkv": make_video(d / "c25.mkv"),
        "avi": make_video(d / "c25.avi", codec="mpeg4"),
        # 20 frames at 10 fps
        "mp4_10": make_video(d / "c10.mp4", n=20, fps=10),
        # variable frame rate
        "vfr": make_video(d / "vfr.mkv", n=6, times=[0.0, 0.1, 0.15, 0.3, 0.31, 0.5]),
        # MJPEG whose 11th packet is garbage: one frame cannot be decoded
        "corrupt": make_video(d / "corrupt.avi", codec="mjpeg", garbage_at=10),
        # 50 frames, keyframe every 10: for streaming and truncation
        "long": make_video(d / "long.mp4", n=50),
        "long_faststart": make_video(d / "long_fs.mp4", n=50, container_options={"movflags": "faststart"}),
    }
