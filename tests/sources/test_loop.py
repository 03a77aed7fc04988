"""LoopingSource: a file played several times, pts increasing across passes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .clips import frame_number, make_video
from vigil.errors import ConfigError
from vigil.sources import LoopingSource, open_source


def test_three_passes_keep_time_moving(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "c.mp4", n=10, fps=10)
    with open_source(clip, loop=3) as src:
        assert isinstance(src, LoopingSource)
        assert src.frame_count == 30
        frames = list(src)
        health = src.health()
    assert len(frames) == 30
    assert [f.index for f in frames] == list(range(30))
    pts = np.array([f.pts for f in frames])
    np.testing.assert_allclose(pts, np.arange(30) / 10, atol=1e-6)
    assert [frame_number(f.image) for f in frames] == list(range(10)) * 3
    assert health.frames == 30


def test_forever_until_closed(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "c.mp4", n=5, fps=25)
    src = open_source(clip, loop=None)
    got = [src.read() for _ in range(23)]
    src.close()
    assert all(f is not None for f in got)
    assert src.read() is None


def test_loop_respects_fps_and_window(tmp_path: Path) -> None:
    clip = make_video(tmp_path / "c.mp4", n=20, fps=10)  # 2 s
    with open_source(clip, loop=2, start=0.5, end=1.5) as src:
        frames = list(src)
    assert len(frames) == 20
    assert np.all(np.diff([f.pts for f in frames]) > 0)


def test_bad_passes() -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        LoopingSource(lambda: None, passes=0)  # type: ignore[arg-type, return-value]
