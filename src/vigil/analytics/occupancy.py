"""Per-zone occupancy over time, in bounded memory.

Every frame adds one row of counts (people in each zone, and in the whole frame).
Rows are kept at full rate until ``capacity`` are held; then neighbouring rows are
merged in pairs (keeping the larger count, so peaks survive) and from then on each
row covers twice as many frames. A run of any length therefore fits in ``capacity``
rows, at a resolution that coarsens as the run grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class ZoneCounts:
    """People counted at stream time ``t`` by a counting stage (``vigil.count.live``), not by tracks.

    total: people in the whole frame; zones: zone name -> people in it. Floats: calibrated,
    smoothed estimates (a dense crowd's count, with the people the tracker never holds).
    """

    t: float
    total: float
    zones: dict[str, float]

    def get(self, zone: str | None) -> float | None:
        """The count of ``zone`` (None: the whole frame); None for a zone it does not count."""
        return self.total if zone is None else self.zones.get(zone)


@dataclass(frozen=True, slots=True)
class OccupancySeries:
    """A snapshot of occupancy.

    times: (T,) stream time (s) of the first frame of each row.
    counts: zone name -> (T,) int32 people in the zone (the maximum over the row's frames).
    total: (T,) int32 people in the whole frame (maximum over the row's frames).
    frames_per_row: frames merged into one row (1 until the buffer first fills).
    """

    times: npt.NDArray[np.float64]
    counts: dict[str, npt.NDArray[np.int32]]
    total: npt.NDArray[np.int32]
    frames_per_row: int


class OccupancyRecorder:
    """Accumulates one count row per frame; ``series()`` returns a copy."""

    def __init__(self, zones: Sequence[str], capacity: int = 16384) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError(f"occupancy capacity must be an even number >= 2, got {capacity}")
        self.zones = tuple(zones)
        self.capacity = capacity
        self._times = np.zeros(capacity)
        self._counts = np.zeros((capacity, len(self.zones) + 1), np.int32)
        self._n = 0
        self._stride = 1
        self._pending = 0  # frames folded into row self._n so far

    def add(self, t: float, zone_counts: npt.NDArray[np.integer], total: int) -> None:
        """Record one frame: ``zone_counts`` (Z,) in the order of ``zones``, and the frame total."""
        if self._pending == 0:
            if self._n == self.capacity:
                self._halve()
            self._times[self._n] = t
            self._counts[self._n, :-1] = zone_counts
            self._counts[self._n, -1] = total
        else:
            row = self._counts[self._n]
            np.maximum(row[:-1], zone_counts, out=row[:-1])
            row[-1] = max(int(row[-1]), total)
        self._pending += 1
        if self._pending == self._stride:
            self._pending = 0
            self._n += 1

    def _halve(self) -> None:
        half = self.capacity // 2
        self._times[:half] = self._times[0::2]
        self._counts[:half] = np.maximum(self._counts[0::2], self._counts[1::2])
        self._n = half
        self._stride *= 2

    def series(self) -> OccupancySeries:
        n = self._n + (1 if self._pending else 0)
        counts = self._counts[:n]
        return OccupancySeries(
            times=self._times[:n].copy(),
            counts={z: counts[:, i].copy() for i, z in enumerate(self.zones)},
            total=counts[:, -1].copy(),
            frames_per_row=self._stride,
        )
