"""Retention by age, by total size and by free disk, on fabricated files; the database is never touched."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from vigil.config.recording import RetentionConfig
from vigil.recording import Retention

NOW = 1_800_000_000.0
DAY = 86400.0
MB = 1024**2
GB = 1024**3


def make(root: Path, rel: str, size: int, age_days: float) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"\0" * size)
    t = NOW - age_days * DAY
    os.utime(p, (t, t))
    return p


@pytest.fixture
def data(tmp_path: Path) -> Path:
    make(tmp_path, "vigil.db", 5 * MB, 400)  # old and big: must never be touched
    make(tmp_path, "clips/cam/2026-01-01/old.mp4", MB, 30)
    make(tmp_path, "clips/cam/2026-01-01/old.jpg", 10_000, 30)
    make(tmp_path, "clips/cam/2026-02-20/mid.mp4", 2 * MB, 5)
    make(tmp_path, "segments/cam/2026-02-24/a.mp4", 3 * MB, 3)
    make(tmp_path, "clips/cam/2026-02-26/new.mp4", MB, 1)
    make(tmp_path, "clips/cam/2026-02-26/notes.txt", MB, 100)  # not media
    return tmp_path


def names(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def plenty(path: str) -> SimpleNamespace:
    return SimpleNamespace(free=500 * GB)


def test_by_age(data: Path) -> None:
    r = Retention(data, RetentionConfig(max_age_days=14, min_free_gb=0), disk_usage=plenty, clock=lambda: NOW)
    report = r.run_once()
    assert (report.by_age, report.by_size, report.by_free) == (2, 0, 0)
    assert names(data) == [
        "clips/cam/2026-02-20/mid.mp4", "clips/cam/2026-02-26/new.mp4", "clips/cam/2026-02-26/notes.txt",
        "segments/cam/2026-02-24/a.mp4", "vigil.db",
    ]  # fmt: skip
    assert not (data / "clips/cam/2026-01-01").exists()  # the emptied day folder went too
    assert r.health().state == "ok"


def test_by_total_size_oldest_first(data: Path) -> None:
    cfg = RetentionConfig(max_age_days=100, max_total_gb=4.5 * MB / GB, min_free_gb=0)
    report = Retention(data, cfg, disk_usage=plenty, clock=lambda: NOW).run_once()
    # 7.01 MB of media: old.* (30 d) and mid.mp4 (5 d) go, leaving 4 MB
    assert (report.by_age, report.by_size) == (0, 3)
    assert report.media_bytes == 4 * MB
    assert names(data) == [
        "clips/cam/2026-02-26/new.mp4", "clips/cam/2026-02-26/notes.txt", "segments/cam/2026-02-24/a.mp4", "vigil.db"
    ]


def test_by_min_free_disk(data: Path) -> None:
    free = SimpleNamespace(free=int(1 * GB - 2.5 * MB))
    cfg = RetentionConfig(max_age_days=100, min_free_gb=1)
    report = Retention(data, cfg, disk_usage=lambda p: free, clock=lambda: NOW).run_once()
    assert report.by_free == 3  # 1 MB + 10 kB + 2 MB freed: enough for 2.5 MB
    assert report.free_bytes is not None and report.free_bytes >= GB
    assert "vigil.db" in names(data) and "segments/cam/2026-02-24/a.mp4" in names(data)


def test_store_hook_deletes_event_media_but_nothing_outside_media(data: Path) -> None:
    calls: list[float] = []

    def delete_events(days: float) -> list[str]:
        calls.append(days)
        return ["clips/cam/2026-02-20/mid.mp4", "vigil.db", "../outside.mp4", "clips/cam/2026-02-26/notes.txt"]

    make(data.parent, "outside.mp4", 10, 0)
    r = Retention(data, RetentionConfig(max_age_days=7, min_free_gb=0), delete_events=delete_events,
                  disk_usage=plenty, clock=lambda: NOW)
    report = r.run_once()
    assert calls == [7]
    assert report.by_age == 3  # mid.mp4 by the hook, old.mp4 and old.jpg by their age
    assert (data / "vigil.db").exists() and (data.parent / "outside.mp4").exists()
    assert (data / "clips/cam/2026-02-26/notes.txt").exists()


def test_files_being_written_are_left_alone(data: Path) -> None:
    make(data, "clips/cam/2026-01-01/.live.mp4.part", MB, 0.001)
    make(data, "clips/cam/2026-01-01/.crashed.mp4.part", MB, 2)
    Retention(data, RetentionConfig(max_age_days=1, min_free_gb=0), disk_usage=plenty, clock=lambda: NOW).run_once()
    assert (data / "clips/cam/2026-01-01/.live.mp4.part").exists()
    assert not (data / "clips/cam/2026-01-01/.crashed.mp4.part").exists()


def test_failing_store_hook_is_reported_in_health(data: Path) -> None:
    def broken(days: float) -> list[str]:
        raise RuntimeError("database is locked")

    r = Retention(data, RetentionConfig(max_age_days=14, min_free_gb=0), delete_events=broken, disk_usage=plenty,
                  clock=lambda: NOW)
    assert r.run_once().by_age == 2  # media retention still ran
    assert r.health().state == "error" and "database is locked" in (r.health().message or "")


def test_start_runs_a_pass_in_the_background(data: Path) -> None:
    done = threading.Event()

    def hook(days: float) -> list[str]:
        done.set()
        return []

    r = Retention(data, RetentionConfig(max_age_days=14, min_free_gb=0), delete_events=hook, disk_usage=plenty,
                  clock=lambda: NOW)
    with r:
        assert done.wait(5)
        assert r.health().state == "ok"
    assert not (data / "clips/cam/2026-01-01/old.mp4").exists()
