"""Track states and the table that holds every live track as parallel arrays.

    TENTATIVE --(matched for confirm_time)--> CONFIRMED --(missed a frame)--> LOST
        |                                         ^                           |
        +--(missed a frame)--> REMOVED            +--------(re-found)---------+
                                                  LOST --(unseen lost_timeout)--> REMOVED

Only confirmed tracks get a public id and are reported; removed tracks leave the table.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
Bool = npt.NDArray[np.bool_]

#: Observations remembered per track for its direction of motion.
HISTORY = 8


class TrackState(IntEnum):
    TENTATIVE = 0
    CONFIRMED = 1
    LOST = 2
    REMOVED = 3


@dataclass(slots=True)
class TrackTable:
    """Live tracks, one row each (a struct of arrays, so every step is vectorised).

    mean, cov: Kalman state (N, 8) and covariance blocks (N, 3, 4) at the current time.
    state: (N,) TrackState values. track_id: (N,) public id, 0 until confirmed.
    class_id: (N,) class. score: (N,) score of the last matched detection.
    t_first, t_obs: (N,) times (s) of the first and the last observation.
    hist_t, hist_xy: (N, HISTORY) times and (N, HISTORY, 2) centres of the latest
        observations, newest first (NaN times where there are fewer).
    direction: (N, 2) unit direction of motion up to the last observation (0 if unknown).
    matched: (N,) whether the track was matched in the current frame.
    """

    mean: F64
    cov: F64
    state: I8
    track_id: I64
    class_id: I64
    score: F64
    t_first: F64
    t_obs: F64
    hist_t: F64
    hist_xy: F64
    direction: F64
    matched: Bool

    @classmethod
    def empty(cls) -> TrackTable:
        return cls(
            mean=np.zeros((0, 8)),
            cov=np.zeros((0, 3, 4)),
            state=np.zeros(0, np.int8),
            track_id=np.zeros(0, np.int64),
            class_id=np.zeros(0, np.int64),
            score=np.zeros(0),
            t_first=np.zeros(0),
            t_obs=np.zeros(0),
            hist_t=np.zeros((0, HISTORY)),
            hist_xy=np.zeros((0, HISTORY, 2)),
            direction=np.zeros((0, 2)),
            matched=np.zeros(0, np.bool_),
        )

    def __len__(self) -> int:
        return len(self.state)

    def _arrays(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def select(self, keep: Bool | I64) -> TrackTable:
        """A new table with the rows picked by a mask or an index array."""
        return TrackTable(**{k: v[keep] for k, v in self._arrays().items()})

    def extend(self, other: TrackTable) -> TrackTable:
        """A new table with ``other``'s rows appended."""
        if len(other) == 0:
            return self
        if len(self) == 0:
            return other
        theirs = other._arrays()
        return TrackTable(**{k: np.concatenate([v, theirs[k]]) for k, v in self._arrays().items()})


def anchor_index(hist_t: F64, now: float, window: float) -> I64:
    """(N,) column of each track's oldest remembered observation at most ``window`` s
    before ``now``, or of its newest one when none is that recent."""
    recent = hist_t >= now - window - 1e-9  # NaN compares False; columns run newest first
    out: I64 = np.maximum(recent.sum(axis=1) - 1, 0)
    return out


def push_observation(hist_t: F64, hist_xy: F64, t: float, xy: F64) -> tuple[F64, F64]:
    """Histories with (t, xy) added as the newest entry (the oldest drops out)."""
    new_t = np.empty_like(hist_t)
    new_t[:, 0] = t
    new_t[:, 1:] = hist_t[:, :-1]
    new_xy = np.empty_like(hist_xy)
    new_xy[:, 0] = xy
    new_xy[:, 1:] = hist_xy[:, :-1]
    return new_t, new_xy
