"""Disk-full handling shared by the recorders.

A recorder pauses (health ``disk_full``) when a write fails with ENOSPC/EDQUOT or
when free space on the data directory falls below the floor; it logs that once (until
a file is written again) and tries again every ``recheck`` seconds of stream time,
resuming when space returns.
Recording never touches the event database, so a full disk cannot corrupt it.
"""

from __future__ import annotations

import errno
import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

GB = 1024**3
RECHECK_SECONDS = 10.0
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


class Usage(Protocol):
    """What ``shutil.disk_usage`` returns (only ``free`` is read)."""

    @property
    def free(self) -> int: ...


DiskUsageFn = Callable[[str], Usage]


def is_disk_full(error: BaseException | None) -> bool:
    """True when ``error`` or one of its causes is an OSError saying the disk (or quota) is full."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
            return True
        error = error.__cause__ or error.__context__
    return False


class DiskGuard:
    """Says whether a recorder may write: not after a disk-full error until space returns.

    floor_bytes: pause while fewer bytes than this are free on ``path``'s file system.
    """

    def __init__(
        self,
        path: str | Path,
        floor_bytes: int,
        *,
        camera: str = "",
        disk_usage: DiskUsageFn = shutil.disk_usage,
        recheck: float = RECHECK_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.floor_bytes = floor_bytes
        self.camera = camera
        self.recheck = recheck
        self._disk_usage = disk_usage
        self._lock = threading.Lock()  # the recorder and its writer thread both use the guard
        self._full = False
        self._warned = False  # one warning per episode: until a file is written again
        self._next_check: float | None = None

    @property
    def full(self) -> bool:
        return self._full

    def _free(self) -> int | None:
        try:
            return int(self._disk_usage(str(self.path)).free)
        except OSError as e:  # the folder may not exist yet: check its nearest parent
            parent = self.path
            while not parent.exists() and parent != parent.parent:
                parent = parent.parent
            try:
                return int(self._disk_usage(str(parent)).free)
            except OSError:
                log.debug("%s: cannot read free disk space: %s", self.path, e)
                return None

    def may_write(self, now: float) -> bool:
        """Whether writing is allowed at stream time ``now``; re-reads free space at most every ``recheck`` s."""
        with self._lock:
            return self._may_write(now)

    def _may_write(self, now: float) -> bool:
        if self._next_check is not None and now < self._next_check:
            return not self._full
        self._next_check = now + self.recheck
        free = self._free()
        low = free is not None and free < self.floor_bytes
        if free is not None and low and not self._full:
            self._set_full(f"only {free / GB:.2f} GB free, below {self.floor_bytes / GB:.2f} GB")
        elif not low and self._full:
            self._full = False  # try again; wrote() confirms that space is back
            log.debug("camera %s: %s: trying to record again", self.camera, self.path)
        return not self._full

    def wrote(self) -> None:
        """A file was written completely: a disk-full episode, if any, is over."""
        with self._lock:
            warned, self._warned = self._warned, False
        if warned:
            log.info("camera %s: %s: disk space is back, recording resumed", self.camera, self.path)

    def report_full(self, now: float, error: BaseException) -> None:
        """A write failed because the disk is full: pause until the next check finds space."""
        with self._lock:
            self._next_check = max(self._next_check or now, now + self.recheck)
            if not self._full:
                self._set_full(str(error))

    def _set_full(self, why: str) -> None:
        self._full = True
        if self._warned:
            return
        self._warned = True
        log.warning("camera %s: %s: disk full (%s); recording paused until space returns", self.camera, self.path, why)
