"""What a camera worker reports about where people are: zone counts and a heat map.

``ZoneCounter.observe(tracks, frame_size, wall, lines)`` per analysed frame counts the
people (by the bottom centre of their box, as the behaviour rules do) in each zone and
in the whole frame, and returns a :class:`WorkerCounts` when the counts (or line crossing
totals) changed, but never more than once per ``min_interval_s``, and otherwise every
``interval_s`` seconds.

``HeatMap.observe(tracks, frame_size, wall)`` adds each person's foot point to a
``grid_w`` x ``grid_h`` grid and returns a :class:`WorkerHeat` with the counts every
``interval_s`` seconds (then starts again from zero); ``flush`` returns what is left (at
stop). Grids with no person are not sent.

Both take an injectable monotonic clock; neither does I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from vigil.analytics.geometry import ZoneMap
from vigil.analytics.rules import LineCounts
from vigil.config.analytics import ZoneConfig
from vigil.detect.classes import PERSON
from vigil.service.health import ALL, LineTotal, WorkerCounts, WorkerHeat
from vigil.types import Tracks

GRID_W, GRID_H = 64, 36
MIN_COUNT_INTERVAL = 1.0


def _person_feet(tracks: Tracks, frame_size: tuple[int, int]) -> np.ndarray:
    """(N, 2) foot points of the persons, normalised to [0, 1] of the frame."""
    w, h = frame_size
    box = tracks.xyxy[tracks.class_ids == PERSON].astype(np.float64)
    feet = np.empty((len(box), 2))
    feet[:, 0] = (box[:, 0] + box[:, 2]) * (0.5 / w)
    feet[:, 1] = box[:, 3] / h
    return feet


class ZoneCounter:
    """People per zone and in view, sent on change (at most 1/s) and every ``interval_s``."""

    def __init__(
        self,
        camera: str,
        zones: Sequence[ZoneConfig],
        *,
        interval_s: float = 5.0,
        min_interval_s: float = MIN_COUNT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < min_interval_s <= interval_s:
            raise ValueError(
                f"camera {camera}: counts need 0 < min_interval_s ({min_interval_s}) <= interval_s ({interval_s})"
            )
        self.camera = camera
        self.names = tuple(z.name for z in zones)
        self.interval_s = interval_s
        self.min_interval_s = min_interval_s
        self.clock = clock
        self._zones = ZoneMap([z.points for z in zones])
        self._last: tuple[dict[str, int], dict[str, LineTotal]] | None = None
        self._sent_at = -float("inf")

    def count(self, tracks: Tracks, frame_size: tuple[int, int]) -> dict[str, int]:
        """People in each zone and (key ``"_all"``) in the frame."""
        feet = _person_feet(tracks, frame_size)
        inside = self._zones.lookup(feet, frame_size)
        counts = {name: int(n) for name, n in zip(self.names, inside.sum(axis=0).tolist(), strict=True)}
        counts[ALL] = len(feet)
        return counts

    def observe(
        self,
        tracks: Tracks,
        frame_size: tuple[int, int],
        wall: float,
        lines: Callable[[], Mapping[str, LineCounts]] | None = None,
    ) -> WorkerCounts | None:
        """Count this frame; return the counts when they are due (see the module docstring).

        lines: returns the line crossing counts per rule (``AnalyticsEngine.line_counts``);
        called only when a count may be sent.
        """
        now = self.clock()
        since = now - self._sent_at
        if since < self.min_interval_s:
            return None
        counts = self.count(tracks, frame_size)
        totals = {rule: LineTotal(c.line, c.total_in, c.total_out) for rule, c in (lines() if lines else {}).items()}
        if since < self.interval_s and self._last == (counts, totals):
            return None
        self._last = (counts, totals)
        self._sent_at = now
        return WorkerCounts(self.camera, wall, counts, totals)


class HeatMap:
    """Person foot points counted on a grid, sent every ``interval_s`` seconds. See the module docstring."""

    def __init__(
        self,
        camera: str,
        *,
        interval_s: float = 60.0,
        grid_w: int = GRID_W,
        grid_h: int = GRID_H,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not interval_s > 0 or grid_w < 1 or grid_h < 1:
            raise ValueError(
                f"camera {camera}: heat map needs interval_s > 0 and a grid of at least 1x1, "
                f"got {interval_s} s and {grid_w}x{grid_h}"
            )
        self.camera = camera
        self.interval_s = interval_s
        self.grid_w, self.grid_h = grid_w, grid_h
        self.clock = clock
        self._cells = np.zeros(grid_w * grid_h, np.uint32)
        self._started: float | None = None  # monotonic start of the current period
        self._since: float | None = None  # wall time of its first frame
        self._wall = 0.0

    @property
    def total(self) -> int:
        """Foot points counted since the last grid was sent."""
        return int(self._cells.sum())

    def observe(self, tracks: Tracks, frame_size: tuple[int, int], wall: float) -> WorkerHeat | None:
        """Add this frame's persons; return the grid when ``interval_s`` has passed (None if empty)."""
        now = self.clock()
        if self._started is None:
            self._started, self._since = now, wall
        feet = _person_feet(tracks, frame_size)
        if len(feet):
            col = np.clip((feet[:, 0] * self.grid_w).astype(np.int64), 0, self.grid_w - 1)
            row = np.clip((feet[:, 1] * self.grid_h).astype(np.int64), 0, self.grid_h - 1)
            np.add.at(self._cells, row * self.grid_w + col, 1)
        self._wall = wall
        if now - self._started < self.interval_s:
            return None
        return self.flush()

    def flush(self) -> WorkerHeat | None:
        """The grid so far (None if nobody was seen), and start again from zero."""
        since = self._since
        self._started = self._since = None
        if since is None or not self._cells.any():
            self._cells[:] = 0
            return None
        heat = WorkerHeat(
            self.camera, self._wall, self.grid_w, self.grid_h, self._cells.astype("<u4").tobytes(), since
        )
        self._cells[:] = 0
        return heat
