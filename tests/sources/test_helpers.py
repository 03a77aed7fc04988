"""The small parts: fps limiter, backoff, live clock, credential masking, source-string parsing."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest

from vigil.errors import SourceError
from vigil.sources import Backoff, parse_spec, redact
from vigil.sources._clock import LiveClock
from vigil.sources._rate import FpsLimiter


@pytest.mark.parametrize(
    ("source_fps", "target", "expected_per_second"),
    [(25, 10, 10), (30, 10, 10), (30, 25, 25), (25, 25, 25), (10, 25, 10), (25, 1, 1), (7, 2, 2)],
)
def test_fps_limiter_rate(source_fps: int, target: float, expected_per_second: int) -> None:
    lim = FpsLimiter(target)
    kept = [i for i in range(source_fps * 4) if lim.accept(round(i / source_fps, 6))]
    assert len(kept) == 4 * expected_per_second


def test_fps_limiter_tolerates_jitter_and_restarts_after_gaps() -> None:
    lim = FpsLimiter(25)
    jittery = [0.0, 0.039, 0.081, 0.119, 0.161, 0.2]
    assert all(lim.accept(t) for t in jittery)
    lim = FpsLimiter(10)
    assert [lim.accept(t) for t in (0.0, 0.05, 5.0, 5.05, 5.1)] == [True, False, True, False, True]
    assert all(FpsLimiter(None).accept(t) for t in (0.0, 0.0, 0.001))
    with pytest.raises(ValueError):
        FpsLimiter(0)


def test_backoff_doubles_to_the_cap_with_bounded_jitter() -> None:
    b = Backoff(initial=0.5, maximum=30.0, jitter=0.2, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(12)]
    bases = [min(30.0, 0.5 * 2**i) for i in range(12)]
    assert all(0.8 * base - 1e-9 <= d <= min(30.0, 1.2 * base) for d, base in zip(delays, bases, strict=True))
    assert max(delays) <= 30.0 and delays[-1] >= 24.0
    assert len(set(delays[:6])) == 6 and delays[:6] != bases[:6]  # jittered, not lockstep
    b.reset()
    assert b.next_delay() <= 0.6


@pytest.mark.parametrize("kwargs", [{"initial": 0}, {"initial": 5, "maximum": 1}, {"factor": 0.5}, {"jitter": 1.0}])
def test_backoff_rejects_bad_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_live_clock_follows_stream_time_then_continues_from_wall_time() -> None:
    wall = FakeClock()
    clock = LiveClock(now=wall)
    assert [clock.stamp(t) for t in (5000.0, 5000.04, 5000.08)] == pytest.approx([0.0, 0.04, 0.08])
    wall.t += 3.0  # the stream dropped; 3 s later a new connection starts its clock at 0
    clock.new_segment()
    assert clock.stamp(0.0) == pytest.approx(3.0)
    assert clock.stamp(0.04) == pytest.approx(3.04)


def test_live_clock_never_goes_backwards() -> None:
    wall = FakeClock()
    clock = LiveClock(now=wall)
    a = clock.stamp(10.0)
    b = clock.stamp(10.04)
    c = clock.stamp(9.0)  # timestamps jumped back (camera restarted its counter)
    d = clock.stamp(9.0)  # repeated
    e = clock.stamp(None)  # no timestamp: wall clock
    wall.t += 1.0
    f = clock.stamp(None)
    assert a < b < c < d < e < f
    assert f == pytest.approx(e + 1.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rtsp://admin:secret@10.0.0.2:554/stream1", "rtsp://***@10.0.0.2:554/stream1"),
        ("rtsp://admin:p@ss@cam/live", "rtsp://***@cam/live"),
        ("http://u:p@h/a?password=zz&token=yy&foo=1", "http://***@h/a?password=***&token=***&foo=1"),
        ("http://cam/cgi?user=admin&pwd=123", "http://cam/cgi?user=***&pwd=***"),
        ("failed: 'rtsp://a:b@h/x' (Connection refused)", "failed: 'rtsp://***@h/x' (Connection refused)"),
        ("rtsp://10.0.0.2/x", "rtsp://10.0.0.2/x"),
        ("/videos/a@b.mp4", "/videos/a@b.mp4"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("spec", "kind", "name"),
    [
        ("rtsp://admin:pw@cam.local:554/h264", "rtsp", "cam.local"),
        ("RTSPS://cam/x", "rtsp", "cam"),
        ("http://cam/mjpg/video.mjpg", "http", "cam"),
        ("https://cdn/live/index.m3u8", "http", "cdn"),
        ("https://host/clips/entrance.mp4", "file", "entrance"),
        ("rtmp://host/app/key", "stream", "host"),
        ("video.mkv", "file", "video"),
    ],
)
def test_parse_spec_kinds(spec: str, kind: str, name: str) -> None:
    s = parse_spec(spec)
    assert (s.kind, s.name) == (kind, name)
    assert "pw" not in s.display


def test_parse_spec_folder_and_file_url(tmp_path: Path) -> None:
    assert parse_spec(str(tmp_path)).kind == "folder"
    s = parse_spec(f"file://{tmp_path}/a.mp4")
    assert (s.kind, s.target) == ("file", f"{tmp_path}/a.mp4")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="v4l2 devices are Linux only")
@pytest.mark.parametrize(("spec", "device"), [("webcam:0", "/dev/video0"), ("webcam:12", "/dev/video12"),
                                              ("/dev/video3", "/dev/video3")])
def test_parse_spec_webcams(spec: str, device: str) -> None:
    s = parse_spec(spec)
    assert (s.kind, s.target, s.format) == ("webcam", device, "v4l2")


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("", "empty"),
        ("  ", "empty"),
        ("webcam:front", "expected webcam:N"),
        ("ftp://u:pw@h/x", r"ftp://\*\*\*@h/x: unsupported"),
    ],
)
def test_parse_spec_errors(spec: str, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        parse_spec(spec)
