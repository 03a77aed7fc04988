"""What every source shares: thread-safe health counters and the iterator/context-manager plumbing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Self

from vigil.errors import ConfigError
from vigil.sources.base import SourceHealth
from vigil.types import Frame


class HealthTracker:
    """Counters behind ``Source.health()``; safe to update from a reader thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._online = False
        self._frames = 0
        self._corrupt = 0
        self._reconnects = 0
        self._dropped = 0
        self._last_error: str | None = None
        self._last_frame_wall: float | None = None

    def set_online(self, online: bool) -> None:
        with self._lock:
            self._online = online

    def frame(self, wall: float | None = None) -> None:
        """A frame was delivered at ``wall`` (default: now): files and folders."""
        with self._lock:
            self._frames += 1
            self._last_frame_wall = time.time() if wall is None else wall

    def received(self, wall: float) -> None:
        """A live frame arrived (counted as delivered only when read)."""
        with self._lock:
            self._online = True
            self._last_frame_wall = wall

    def delivered(self) -> None:
        """A live frame was handed to the caller (its arrival was counted by ``received``)."""
        with self._lock:
            self._frames += 1

    def corrupt(self, message: str) -> None:
        with self._lock:
            self._corrupt += 1
            self._last_error = message

    def dropped(self) -> None:
        with self._lock:
            self._dropped += 1

    def reconnected(self) -> None:
        with self._lock:
            self._reconnects += 1

    def error(self, message: str) -> None:
        with self._lock:
            self._last_error = message

    def snapshot(self) -> SourceHealth:
        with self._lock:
            return SourceHealth(
                online=self._online,
                frames=self._frames,
                corrupt_frames=self._corrupt,
                reconnects=self._reconnects,
                last_error=self._last_error,
                last_frame_wall=self._last_frame_wall,
                dropped_frames=self._dropped,
            )


class SourceBase:
    """Iteration, ``with`` support and health for concrete sources (subclasses add read/close)."""

    name: str

    def __init__(self, name: str) -> None:
        self.name = name
        self._health = HealthTracker()

    def read(self) -> Frame | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def health(self) -> SourceHealth:
        return self._health.snapshot()

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def check_window(fps: float | None, start: float, end: float | None) -> None:
    """Reject nonsensical fps/start/end options with a message naming the option."""
    if fps is not None and not fps > 0:
        raise ConfigError(f"fps must be a positive number of frames per second, got {fps}")
    if not start >= 0:
        raise ConfigError(f"start must be >= 0 seconds, got {start}")
    if end is not None and not end > start:
        raise ConfigError(f"end ({end} s) must be after start ({start} s)")
