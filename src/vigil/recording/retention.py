"""Retention of stored media: by age, by total size and by free disk, whichever comes first.

One pass (``run_once``):

1. events older than ``max_age_days`` are deleted through the ``delete_events`` hook
   (``lambda days: store.delete_older_than(days).media_paths``), and the media files
   it returns are deleted;
2. media files older than ``max_age_days`` are deleted;
3. while the media exceed ``max_total_gb`` or less than ``min_free_gb`` is free, the
   oldest media file goes.

Only ``.mp4`` and ``.jpg`` files under the media folders (``clips/``, ``segments/``) of
the data directory are ever deleted, and files still being written (hidden
``.<name>.part``) are left alone unless an hour old (left behind by a crash): the
event database is never touched. ``start()`` runs a pass every ``interval`` seconds
on a background thread.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from vigil.config.recording import RetentionConfig
from vigil.recording.base import RecorderHealth
from vigil.recording.clips import CLIPS_DIR
from vigil.recording.disk import GB, DiskUsageFn
from vigil.recording.segments import SEGMENTS_DIR

log = logging.getLogger(__name__)

MEDIA_SUFFIXES = (".mp4", ".jpg")
STALE_PART_SECONDS = 3600.0

DeleteEvents = Callable[[float], Sequence[str]]
"""days -> paths (relative to the data directory) of media no event references any more."""


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one pass deleted (files per reason: age, size, free) and what is left."""

    by_age: int = 0
    by_size: int = 0
    by_free: int = 0
    bytes_freed: int = 0
    media_bytes: int = 0
    free_bytes: int | None = None

    @property
    def files_deleted(self) -> int:
        return self.by_age + self.by_size + self.by_free


@dataclass(slots=True)
class _File:
    path: Path
    size: int
    mtime: float


class Retention:
    """Deletes old media of a data directory. See the module docstring."""

    def __init__(
        self,
        data_dir: str | Path,
        config: RetentionConfig,
        *,
        delete_events: DeleteEvents | None = None,
        disk_usage: DiskUsageFn = shutil.disk_usage,
        clock: Callable[[], float] = time.time,
        media_dirs: Sequence[str] = (CLIPS_DIR, SEGMENTS_DIR),
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = config
        self._delete_events = delete_events
        self._disk_usage = disk_usage
        self._clock = clock
        self._roots = [self.data_dir / d for d in media_dirs]
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._error: str | None = None
        self.last: RetentionReport | None = None

    # -- one pass -------------------------------------------------------------------------

    def run_once(self) -> RetentionReport:
        """Delete what is past a limit; never raises for I/O (failures are logged and kept in health)."""
        now = self._clock()
        max_age = self.config.max_age_days * 86400.0
        freed = 0
        by_age = 0
        self._error = None
        if self._delete_events is not None:
            try:
                paths = self._delete_events(self.config.max_age_days)
            except Exception as e:  # noqa: BLE001 - the store reports its own failures; media retention goes on
                log.error("retention: deleting events older than %s days failed: %s", self.config.max_age_days, e)
                self._error = f"deleting old events: {e}"
                paths = ()
            for rel in paths:
                path = self._media_path(rel)
                if path is not None and path.is_file():
                    size = path.stat().st_size
                    if self._unlink(path):
                        by_age += 1
                        freed += size
        files = self._scan(now)
        kept: list[_File] = []
        for f in files:
            if now - f.mtime > max_age:
                if self._unlink(f.path):
                    by_age += 1
                    freed += f.size
            else:
                kept.append(f)
        kept.sort(key=lambda f: f.mtime)
        total = sum(f.size for f in kept)
        free = self._free()
        cap = None if self.config.max_total_gb is None else int(self.config.max_total_gb * GB)
        min_free = int(self.config.min_free_gb * GB)
        by_size = by_free = 0
        for f in kept:
            over = cap is not None and total > cap
            low = free is not None and free < min_free
            if not (over or low):
                break
            if self._unlink(f.path):
                total -= f.size
                freed += f.size
                if free is not None:
                    free += f.size
                if over:
                    by_size += 1
                else:
                    by_free += 1
        self._prune_dirs()
        report = RetentionReport(by_age, by_size, by_free, freed, total, free)
        if report.files_deleted:
            log.info(
                "retention: deleted %d media files (%d by age, %d by size, %d for free space), %.1f MB freed",
                report.files_deleted, by_age, by_size, by_free, freed / 1e6,
            )  # fmt: skip
        if free is not None and free < min_free:
            log.warning("retention: %s: only %.2f GB free after deleting all media", self.data_dir, free / GB)
        self.last = report
        return report

    def _media_path(self, rel: str) -> Path | None:
        """The media file a store path names, or None when it is not inside a media folder."""
        path = (self.data_dir / rel).resolve()
        for root in self._roots:
            if path.is_relative_to(root.resolve()) and path.suffix in MEDIA_SUFFIXES:
                return path
        log.warning("retention: %s: not a media file under %s, left alone", rel, self.data_dir)
        return None

    def _scan(self, now: float) -> list[_File]:
        found: list[_File] = []
        for root in self._roots:
            for dirpath, _dirs, names in os.walk(root):
                for name in names:
                    path = Path(dirpath) / name
                    part = name.startswith(".") and name.endswith(".part")
                    if not part and (name.startswith(".") or path.suffix not in MEDIA_SUFFIXES):
                        continue
                    try:
                        st = path.stat()
                    except OSError:
                        continue  # deleted meanwhile
                    if part:
                        if now - st.st_mtime > STALE_PART_SECONDS:
                            self._unlink(path)
                        continue
                    found.append(_File(path, st.st_size, st.st_mtime))
        return found

    def _free(self) -> int | None:
        try:
            return int(self._disk_usage(str(self.data_dir)).free)
        except OSError as e:
            log.warning("retention: %s: cannot read free disk space: %s", self.data_dir, e)
            return None

    def _unlink(self, path: Path) -> bool:
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as e:
            log.warning("retention: cannot delete %s: %s", path, e.strerror or e)
            self._error = f"{path}: {e.strerror or e}"
            return False
        return True

    def _prune_dirs(self) -> None:
        """Remove empty day and camera folders (never the media roots themselves)."""
        for root in self._roots:
            for dirpath, _dirs, _names in sorted(os.walk(root), key=lambda w: -len(w[0])):
                d = Path(dirpath)
                if d != root:
                    try:
                        d.rmdir()
                    except OSError:
                        pass  # not empty

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Run a pass now and then every ``interval`` seconds on a background thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="retention", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as e:  # keep the job alive; health says what went wrong
                log.exception("retention: pass failed")
                self._error = str(e)
            self._stop.wait(self.config.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def health(self) -> RecorderHealth:
        files = 0 if self.last is None else self.last.files_deleted
        if self._error is not None:
            return RecorderHealth("error", self._error, files, False)
        free = None if self.last is None else self.last.free_bytes
        if free is not None and free < self.config.min_free_gb * GB / 2:
            return RecorderHealth("disk_full", f"{self.data_dir}: {free / GB:.2f} GB free", files, False)
        return RecorderHealth("ok" if self._thread is not None or self.last else "stopped", None, files, False)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
