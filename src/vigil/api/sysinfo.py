"""What the system page shows besides the cameras: storage against the retention cap and the
outbox backlog. `SystemProvider` is what the API reads; `LocalSystem` is the implementation
`vigil serve` builds from its data directory, retention cap and outbox worker.
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
from typing import Protocol

from vigil.delivery.outbox import OutboxHealth, OutboxWorker
from vigil.recording.clips import CLIPS_DIR
from vigil.recording.disk import DiskUsageFn
from vigil.recording.retention import MEDIA_SUFFIXES
from vigil.recording.segments import SEGMENTS_DIR

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StorageUsage:
    """used_bytes: media (clips, snapshots, segments) that the retention cap limits;
    cap_bytes: that cap (None: no size cap); free_bytes: free space on the data
    directory's disk (None: unknown)."""

    used_bytes: int
    cap_bytes: int | None
    free_bytes: int | None


class SystemProvider(Protocol):
    """Storage and delivery state for ``GET /api/system``."""

    def outbox(self) -> OutboxHealth | None:
        """The outbox worker's health, or None when this process runs none."""
        ...

    def storage(self) -> StorageUsage:
        ...


class LocalSystem:
    """`SystemProvider` over a data directory and an optional outbox worker.

    Media are the ``.mp4`` and ``.jpg`` files under ``media_dirs`` of ``data_dir`` (as
    retention counts them); walking them is cached for ``cache_s`` seconds.
    """

    def __init__(
        self,
        data_dir: str | Path,
        cap_bytes: int | None = None,
        outbox: OutboxWorker | None = None,
        *,
        media_dirs: Sequence[str] = (CLIPS_DIR, SEGMENTS_DIR),
        cache_s: float = 30.0,
        disk_usage: DiskUsageFn = shutil.disk_usage,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if cap_bytes is not None and cap_bytes < 0:
            raise ValueError(f"cap_bytes {cap_bytes}: must not be negative")
        self.data_dir = Path(data_dir)
        self.cap_bytes = cap_bytes
        self._worker = outbox
        self._roots = [self.data_dir / d for d in media_dirs]
        self._cache_s = cache_s
        self._disk_usage = disk_usage
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, int] | None = None

    def outbox(self) -> OutboxHealth | None:
        return None if self._worker is None else self._worker.health()

    def storage(self) -> StorageUsage:
        return StorageUsage(self._media_bytes(), self.cap_bytes, self._free())

    def _media_bytes(self) -> int:
        now = self._clock()
        with self._lock:
            if self._cached is not None and now - self._cached[0] < self._cache_s:
                return self._cached[1]
            total = 0
            for root in self._roots:
                for dirpath, _dirs, names in os.walk(root):
                    for name in names:
                        if name.startswith(".") or Path(name).suffix not in MEDIA_SUFFIXES:
                            continue
                        try:
                            total += (Path(dirpath) / name).stat().st_size
                        except OSError:
                            continue  # deleted meanwhile
            self._cached = (now, total)
            return total

    def _free(self) -> int | None:
        try:
            return int(self._disk_usage(str(self.data_dir)).free)
        except OSError as e:
            log.warning("system: %s: cannot read free disk space: %s", self.data_dir, e.strerror or e)
            return None
