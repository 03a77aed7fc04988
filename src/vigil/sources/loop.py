"""Play a file or image folder over and over, as a camera that never ends.

Used for demo cameras and for soak tests (memory must not grow with length).
Each pass re-opens the input; pts keep increasing across passes, one nominal
frame interval after the previous pass's last frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from vigil.errors import ConfigError
from vigil.sources._common import SourceBase
from vigil.sources.base import Source, SourceHealth
from vigil.types import Frame

log = logging.getLogger(__name__)


class LoopingSource(SourceBase):
    """Frames of ``open_pass()`` repeated ``passes`` times (None: forever).

    ``open_pass`` returns a fresh finite Source each call (a file or image folder).
    """

    def __init__(self, open_pass: Callable[[], Source], passes: int | None = None) -> None:
        if passes is not None and passes < 1:
            raise ConfigError(f"loop passes must be at least 1, got {passes}")
        self._open_pass = open_pass
        self._current: Source | None = open_pass()
        super().__init__(self._current.name)
        self._passes = passes
        self._pass = 1
        self._offset = 0.0
        self._last_pts = 0.0
        self._index = 0
        self._closed_health = SourceHealth(True, 0, 0, 0, None, None)
        self._step = 1.0 / (self._current.fps or 25.0)

    @property
    def fps(self) -> float | None:
        return self._current.fps if self._current is not None else None

    @property
    def frame_count(self) -> int | None:
        n = self._current.frame_count if self._current is not None else None
        return None if n is None or self._passes is None else n * self._passes

    def read(self) -> Frame | None:
        while self._current is not None:
            frame = self._current.read()
            if frame is not None:
                pts = self._offset + frame.pts
                self._last_pts = pts
                out = Frame(frame.image, self._index, pts)
                self._index += 1
                return out
            self._finish_pass()
            if self._passes is not None and self._pass >= self._passes:
                return None
            self._pass += 1
            self._offset = self._last_pts + self._step
            log.debug("%s: starting pass %d", self.name, self._pass)
            self._current = self._open_pass()
        return None

    def _finish_pass(self) -> None:
        if self._current is None:
            return
        h = self._current.health()
        c = self._closed_health
        self._closed_health = SourceHealth(
            True, c.frames + h.frames, c.corrupt_frames + h.corrupt_frames, c.reconnects,
            h.last_error or c.last_error, h.last_frame_wall, c.dropped_frames + h.dropped_frames,
        )
        self._current.close()
        self._current = None

    def health(self) -> SourceHealth:
        c = self._closed_health
        if self._current is None:
            return c
        h = self._current.health()
        return SourceHealth(
            h.online, c.frames + h.frames, c.corrupt_frames + h.corrupt_frames, c.reconnects,
            h.last_error or c.last_error, h.last_frame_wall or c.last_frame_wall, c.dropped_frames + h.dropped_frames,
        )

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
