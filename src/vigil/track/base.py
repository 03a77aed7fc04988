"""The Tracker interface."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from vigil.types import Detections, Tracks


@runtime_checkable
class Tracker(Protocol):
    """``update(detections, t) -> Tracks``: t is the frame's stream time in seconds.

    Ids are anonymous, start at 1 and are unique within one tracker instance
    (one camera, one run). ``finished()`` returns ids of tracks that ended since
    the last call, for track_end events.
    """

    def update(self, detections: Detections, t: float) -> Tracks: ...

    def finished(self) -> list[int]: ...
