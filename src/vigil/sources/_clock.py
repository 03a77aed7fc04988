"""One monotonic stream clock for a live source, across reconnects and timestamp jumps."""

from __future__ import annotations

import time
from collections.abc import Callable

MIN_STEP = 0.001  # seconds between two frames when timestamps repeat or go back


class LiveClock:
    """Turns each connection's timestamps into pts seconds since the first frame ever seen.

    Within a connection, pts follow the stream's own timestamps (relative to its first
    frame). A new segment starts after a reconnect (``new_segment()``), or when the
    stream's timestamps go backwards; it continues from the wall-clock time elapsed since
    the first frame (never less than the last pts), so pts never go backwards. Frames
    without a timestamp (``None``) are stamped by the wall clock.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._t0: float | None = None  # wall time of the first frame
        self._last: float | None = None  # last pts returned
        self._base = 0.0  # pts of the current segment's first frame
        self._origin: float | None = None  # source time of the current segment's first frame
        self._wall: bool = False  # current segment runs on the wall clock

    def new_segment(self) -> None:
        """The next stamp begins a new segment (call after reconnecting)."""
        self._origin = None

    def stamp(self, t: float | None) -> float:
        """pts (s) for a frame whose stream time is ``t`` seconds (or None: unknown)."""
        now = self._now()
        if self._t0 is None:
            self._t0 = now
        if self._origin is not None and (t is None) != self._wall:
            self._origin = None  # timestamps appeared or vanished mid-stream: rebase
        src = now if t is None else t
        if self._origin is None:
            self._start(src, now, wall=t is None)
        pts = self._base + (src - self._origin)  # type: ignore[operator]
        if self._last is not None and pts < self._last + MIN_STEP:
            self._start(src, now, wall=t is None)
            pts = self._base
        self._last = pts
        return round(pts, 6)

    def _start(self, src: float, now: float, *, wall: bool) -> None:
        assert self._t0 is not None
        if self._last is None:
            self._base = 0.0
        else:
            self._base = max(now - self._t0, self._last + MIN_STEP)
        self._origin = src
        self._wall = wall
