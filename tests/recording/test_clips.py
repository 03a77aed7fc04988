"""Event clips: pre-roll, post-roll, merging, the max_clip cap, file format and snapshots."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from vigil.errors import OutputError
from vigil.recording import ClipRecorder, MediaFile, VideoWriter, WallClock
from vigil.types import Event, Tracks

from .conftest import EPOCH, FPS, Sink, config, decode, end, frame, read_code, start


def run(rec: ClipRecorder, n: int, events: dict[int, list[tuple[str, Event]]]) -> None:
    for i in range(n):
        rec.push(frame(i), None, events.get(i, []))


def test_clip_holds_pre_roll_event_and_post_roll(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam 1", tmp_path, config(), sink, clock=clock, fps=FPS)
    run(rec, 70, {30: [("ev1", start(3.0))], 40: [("ev1", end(4.0, 3.0))]})
    rec.close()

    (clip,) = sink.of("clip")
    assert clip.event_id == "ev1"
    assert clip.path == "clips/cam_1/2026-03-01/ev1.mp4"
    assert (clip.start_pts, clip.end_pts) == pytest.approx((2.0, 5.0))
    assert clip.started_at == EPOCH + timedelta(seconds=2.0)
    assert clip.ended_at == EPOCH + timedelta(seconds=5.0)
    codes, times, _ = decode(tmp_path / clip.path)
    assert codes == list(range(20, 51))  # event start - pre_roll .. event end + post_roll
    assert times[0] == pytest.approx(0.0)
    assert times[-1] == pytest.approx(3.0, abs=0.02)
    assert not list((tmp_path / "clips").rglob(".*"))  # no temporary file left


def test_clip_is_browser_playable_h264(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(), sink, clock=clock, fps=FPS)
    run(rec, 25, {12: [("e", start(1.2))], 14: [("e", end(1.4, 1.2))]})
    rec.close()
    path = tmp_path / sink.of("clip")[0].path
    _, _, stream = decode(path)
    assert stream.codec_context.name == "h264"
    assert stream.codec_context.pix_fmt == "yuv420p"
    data = path.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # faststart: plays before fully downloaded


def test_overlapping_events_share_one_clip(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(), sink, clock=clock, fps=FPS)
    run(rec, 90, {
        20: [("a", start(2.0))], 30: [("a", end(3.0, 2.0))],
        35: [("b", start(3.5))], 40: [("b", end(4.0, 3.5))],  # starts in a's post-roll
        70: [("c", start(7.0))], 75: [("c", end(7.5, 7.0))],  # after that clip closed
    })  # fmt: skip
    rec.close()
    clips = sink.of("clip")
    assert [(m.event_id, m.path.rsplit("/", 1)[1]) for m in clips] == [("a", "a.mp4"), ("b", "a.mp4"), ("c", "c.mp4")]
    assert decode(tmp_path / clips[0].path)[0] == list(range(10, 51))
    assert decode(tmp_path / clips[2].path)[0] == list(range(60, 86))


def test_long_event_is_split_at_max_clip(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(max_clip=5.0), sink, clock=clock, fps=FPS)
    run(rec, 160, {20: [("long", start(2.0))], 140: [("long", end(14.0, 2.0))]})
    rec.close()
    clips = sink.of("clip")
    assert [m.path.rsplit("/", 1)[1] for m in clips] == ["long.mp4", "long-2.mp4", "long-3.mp4"]
    assert [decode(tmp_path / m.path)[0] for m in clips] == [
        list(range(10, 60)), list(range(60, 110)), list(range(110, 151))
    ]
    assert all(m.end_pts - m.start_pts < 5.0 for m in clips)


def test_close_finishes_an_open_clip(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(), sink, clock=clock, fps=FPS)
    run(rec, 30, {20: [("open", start(2.0))]})
    assert rec.health().recording
    rec.close()
    (clip,) = sink.of("clip")
    assert decode(tmp_path / clip.path)[0] == list(range(10, 30))
    assert rec.health().state == "stopped"


def test_snapshots_at_start_and_best_frame(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(annotate_clips=True), sink, clock=clock, fps=FPS)
    tracks = Tracks(np.array([[110, 10, 150, 60]], np.float32), np.array([7]), np.array([0.9], np.float32),
                    np.array([0]))
    upd = Event("loitering", "update", 2.5, "cam", (7,), started=2.0, confidence=0.9)
    low = Event("loitering", "update", 2.8, "cam", (7,), started=2.0, confidence=0.3)
    first = Event("loitering", "start", 2.0, "cam", (7,), started=2.0, confidence=0.5)
    events = {20: [("s", first)], 25: [("s", upd)], 28: [("s", low)], 30: [("s", end(3.0, 2.0))]}
    for i in range(45):
        rec.push(frame(i), tracks, events.get(i, []))
    rec.close()
    snaps = sink.of("snapshot")
    assert [m.path.rsplit("/", 1)[1] for m in snaps] == ["s.jpg", "s-best.jpg"]
    assert [m.start_pts for m in snaps] == pytest.approx([2.0, 2.5])
    snap = cv2.imread(str(tmp_path / snaps[0].path))
    assert snap is not None and snap.shape == (128, 160, 3)
    assert read_code(snap) == 20
    assert read_code(cv2.imread(str(tmp_path / snaps[1].path))) == 25
    plain = frame(20).image
    assert np.abs(snap.astype(int) - plain.astype(int)).max() > 100  # annotated: box, label, banner


def test_disabled_recorder_writes_nothing(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(enabled=False), sink, clock=clock)
    run(rec, 30, {10: [("x", start(1.0))]})
    rec.close()
    assert sink.media == [] and not (tmp_path / "clips").exists()


def test_instant_event_gets_pre_and_post_roll(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(), sink, clock=clock, fps=FPS)
    instant = Event("line_crossing", "instant", 2.0, "cam", (3,), started=2.0)
    run(rec, 40, {20: [("i", instant)]})
    rec.close()
    assert decode(tmp_path / sink.of("clip")[0].path)[0] == list(range(10, 31))
    assert [m.kind for m in sink.media] == ["snapshot", "clip"]


def test_a_failing_callback_does_not_stop_recording(tmp_path: Path, clock: WallClock) -> None:
    seen: list[str] = []

    def callback(m: MediaFile) -> None:
        seen.append(m.kind)
        raise RuntimeError("database is locked")

    rec = ClipRecorder("cam", tmp_path, config(), callback, clock=clock, fps=FPS)
    run(rec, 60, {10: [("a", start(1.0))], 12: [("a", end(1.2, 1.0))], 40: [("b", start(4.0))]})
    rec.close()
    assert seen == ["snapshot", "clip", "snapshot", "clip"]


def test_other_write_errors_drop_the_file_and_report_error(tmp_path: Path, clock: WallClock) -> None:
    calls: list[Path] = []

    def broken(path: Path, width: int, height: int, fps: float | None) -> VideoWriter:
        calls.append(path)
        raise OutputError(f"{path}: cannot open MP4 file for writing: Permission denied")

    sink = Sink()
    rec = ClipRecorder("cam", tmp_path, config(), sink, clock=clock, fps=FPS, writer_factory=broken)
    run(rec, 50, {10: [("a", start(1.0))]})  # never raises
    rec.flush()
    health = rec.health()
    assert health.state == "error" and "Permission denied" in (health.message or "")
    rec.close()
    assert sink.of("clip") == []
    assert len(calls) == 1  # not retried on every frame: the next try is 10 s later
