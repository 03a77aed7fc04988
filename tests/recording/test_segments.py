"""Continuous recording in fixed-length segments."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from vigil.recording import SegmentRecorder, WallClock

from .conftest import EPOCH, FPS, Sink, config, decode, frame


def test_fixed_length_segments(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    cfg = config(continuous={"enabled": True, "segment_seconds": 10})
    with SegmentRecorder("cam", tmp_path, cfg, sink, clock=clock, fps=FPS) as rec:
        for i in range(250):
            rec.push(frame(i))
        assert rec.health().recording
    segs = sink.of("segment")
    assert [m.path for m in segs] == [
        "segments/cam/2026-03-01/12-00-00.mp4", "segments/cam/2026-03-01/12-00-10.mp4",
        "segments/cam/2026-03-01/12-00-20.mp4",
    ]  # fmt: skip
    assert [m.start_pts for m in segs] == pytest.approx([0, 10, 20])
    assert [m.end_pts for m in segs] == pytest.approx([9.9, 19.9, 24.9])
    assert segs[1].started_at == EPOCH + timedelta(seconds=10)
    assert all(m.event_id is None for m in segs)
    assert decode(tmp_path / segs[0].path)[0] == list(range(100))
    assert decode(tmp_path / segs[2].path)[0] == list(range(200, 250))
    assert rec.health().state == "stopped"


def test_continuous_off_records_nothing(tmp_path: Path, clock: WallClock) -> None:
    rec = SegmentRecorder("cam", tmp_path, config(), clock=clock)
    for i in range(30):
        rec.push(frame(i))
    rec.close()
    assert not (tmp_path / "segments").exists()
