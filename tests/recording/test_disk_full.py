"""A full disk pauses recording cleanly: health says disk_full, no exception escapes, it resumes."""

from __future__ import annotations

import errno
from pathlib import Path
from types import SimpleNamespace

import pytest

from vigil.errors import OutputError
from vigil.recording import ClipRecorder, DiskGuard, SegmentRecorder, WallClock, is_disk_full
from vigil.recording.media import VideoWriter, h264_writer, write_bytes_atomic
from vigil.types import Image

from .conftest import FPS, Sink, config, decode, end, frame, start

GB = 1024**3


class Switch:
    """Writers and a file writer that raise ENOSPC while ``full`` is set."""

    def __init__(self) -> None:
        self.full = False
        self.free = 100 * GB

    def usage(self, path: str) -> SimpleNamespace:
        return SimpleNamespace(free=self.free)

    def writer(self, path: Path, width: int, height: int, fps: float | None) -> VideoWriter:
        inner = h264_writer(path, width, height, fps)
        switch = self

        class Writer:
            def write(self, image: Image, pts: float) -> None:
                if switch.full:
                    raise OSError(errno.ENOSPC, "No space left on device", str(path))
                inner.write(image, pts)

            def close(self) -> None:
                inner.close()

        return Writer()

    def write_bytes(self, path: Path, data: bytes) -> None:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        write_bytes_atomic(path, data)


def test_is_disk_full_follows_the_cause_chain() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as e:
            raise OutputError("clip.mp4: video encoding failed") from e
    except OutputError as wrapped:
        assert is_disk_full(wrapped)
    assert not is_disk_full(OSError(errno.EACCES, "Permission denied"))
    assert not is_disk_full(ValueError("x"))


def test_enospc_pauses_then_resumes(tmp_path: Path, clock: WallClock, caplog: pytest.LogCaptureFixture) -> None:
    sw = Switch()
    sink = Sink()
    disk = DiskGuard(tmp_path, GB, camera="cam", disk_usage=sw.usage, recheck=1.0)
    rec = ClipRecorder("cam", tmp_path, config(), sink, clock=clock, fps=FPS, writer_factory=sw.writer,
                       write_bytes=sw.write_bytes, disk=disk)
    events = {
        10: [("a", start(1.0))], 30: [("a", end(3.0, 1.0))],
        60: [("b", start(6.0))], 70: [("b", end(7.0, 6.0))],
    }  # fmt: skip
    for i in range(90):
        if i in (15, 50):
            rec.flush()  # what came before was written before the switch
            sw.full = i == 15  # the disk fills up in the middle of clip "a", space is back at 5 s
        rec.push(frame(i), None, events.get(i, []))  # never raises
        if i == 20:
            rec.flush()  # the writer thread has met the full disk by now
            assert rec.health().state == "disk_full"
            assert not rec.health().recording
    rec.close()
    # clip "a" was abandoned (no broken file left); "b", after space came back, is whole
    assert [m.event_id for m in sink.of("clip")] == ["b"]
    assert decode(tmp_path / sink.of("clip")[0].path)[0] == list(range(50, 81))
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.jpg", "b.jpg", "b.mp4"]
    assert sum("disk full" in r.getMessage() for r in caplog.records) == 1  # logged once
    assert rec.health().state == "stopped"


def test_low_free_space_pauses_before_writing(tmp_path: Path, clock: WallClock) -> None:
    sw = Switch()
    sw.free = GB // 4
    sink = Sink()
    disk = DiskGuard(tmp_path, GB // 2, disk_usage=sw.usage, recheck=1.0)
    rec = ClipRecorder("cam", tmp_path, config(), sink, clock=clock, fps=FPS, disk=disk)
    for i in range(20):
        rec.push(frame(i), None, [("x", start(1.0))] if i == 10 else [])
    assert rec.health().state == "disk_full"
    assert not (tmp_path / "clips").exists()
    sw.free = 10 * GB
    for i in range(20, 40):
        rec.push(frame(i), None, [("x", end(3.0, 1.0))] if i == 30 else [])
    assert rec.health().state == "ok"
    rec.close()
    (clip,) = sink.of("clip")
    # nothing was written while space was low; at 2 s the clip starts with what the
    # pre-roll buffer still holds (1 s) and runs to where the stream stopped
    assert decode(tmp_path / clip.path)[0] == list(range(10, 40))
    assert [m.kind for m in sink.media] == ["clip"]  # the snapshot at the start was not possible


def test_segments_survive_a_full_disk(tmp_path: Path, clock: WallClock) -> None:
    sw = Switch()
    sink = Sink()
    cfg = config(continuous={"enabled": True, "segment_seconds": 10})
    disk = DiskGuard(tmp_path, GB, disk_usage=sw.usage, recheck=1.0)
    rec = SegmentRecorder("cam", tmp_path, cfg, sink, clock=clock, fps=FPS, writer_factory=sw.writer, disk=disk)
    for i in range(120):
        sw.full = 30 <= i < 60
        rec.push(frame(i))
        if i == 40:
            assert rec.health().state == "disk_full"
    rec.close()
    assert rec.health().state == "stopped"
    starts = [m.start_pts for m in sink.of("segment")]
    assert starts == pytest.approx([6.0])  # 0-3 s abandoned, the next from 6 s (after the recheck)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [Path(sink.of("segment")[0].path).name]
