"""Track lifecycle events: ``track_start`` when an id first appears, ``track_end`` when it ends.

State is kept for live tracks only, so memory follows the number of people in view,
not the length of the video.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from vigil.detect.classes import class_name
from vigil.types import Event, Tracks

log = logging.getLogger(__name__)

TRACK_START = "track_start"
TRACK_END = "track_end"

# Attribute keys of track_end events (the report reads DURATION).
DURATION = "duration"
CLASS = "class"
FIRST_PTS = "first_pts"
LAST_PTS = "last_pts"
PATH_PX = "path_px"
FRAMES = "frames"
END_REASON = "end_reason"


@dataclass(slots=True)
class _LiveTrack:
    first_pts: float
    last_pts: float
    x: float
    y: float
    path_px: float = 0.0
    frames: int = 1
    class_votes: dict[int, int] = field(default_factory=dict)

    def majority_class(self) -> int:
        return max(self.class_votes.items(), key=lambda kv: kv[1])[0]


class TrackLifecycle:
    """Turns per-frame tracks and the tracker's ``finished()`` ids into events.

    ``update`` returns ``track_start`` events (phase "instant", t = first pts) for new
    ids and ``track_end`` events (phase "instant", t = last pts seen, started = first
    pts) for finished ones, with attributes duration (s), class (majority class
    name), first_pts, last_pts, path_px (path length of the box bottom-centre in
    pixels), frames (frames seen) and end_reason ("finished", "stale" or "closed").

    A track not seen for ``stale_after`` seconds is ended even if the tracker never
    reports it finished, which bounds memory should a tracker forget to.
    """

    def __init__(self, camera: str, *, stale_after: float = 60.0) -> None:
        if not stale_after > 0:
            raise ValueError(f"stale_after must be a positive number of seconds, got {stale_after}")
        self.camera = camera
        self.stale_after = stale_after
        self._live: dict[int, _LiveTrack] = {}
        self.unique_tracks = 0  # ids started so far
        self.ended = 0

    @property
    def live_count(self) -> int:
        """Tracks started and not yet ended."""
        return len(self._live)

    def update(self, pts: float, tracks: Tracks, finished: Iterable[int]) -> list[Event]:
        """Record the frame at stream time ``pts`` with its ``tracks`` and the ids the
        tracker reports ``finished``; return the events caused (starts first, then ends)."""
        events: list[Event] = []
        xyxy = tracks.xyxy.astype(float)
        bx = ((xyxy[:, 0] + xyxy[:, 2]) / 2).tolist()
        by = xyxy[:, 3].tolist()
        for tid, cid, x, y in zip(tracks.track_ids.tolist(), tracks.class_ids.tolist(), bx, by, strict=True):
            live = self._live.get(tid)
            if live is None:
                live = _LiveTrack(first_pts=pts, last_pts=pts, x=x, y=y, class_votes={cid: 1})
                self._live[tid] = live
                self.unique_tracks += 1
                events.append(
                    Event(
                        kind=TRACK_START, phase="instant", t=pts, camera=self.camera, track_ids=(tid,),
                        started=pts, attributes={CLASS: class_name(cid), "x": round(x, 1), "y": round(y, 1)},
                    )
                )
                continue
            live.path_px += math.hypot(x - live.x, y - live.y)
            live.x, live.y = x, y
            live.last_pts = pts
            live.frames += 1
            live.class_votes[cid] = live.class_votes.get(cid, 0) + 1
        for tid in finished:
            if tid in self._live:
                events.append(self._end(tid, "finished"))
        events.extend(self._end_stale(pts))
        return events

    def close(self, pts: float | None = None) -> list[Event]:
        """End every live track at the end of the input; returns their track_end events.

        ``pts``, the time of the last frame, tells tracks unseen for over ``stale_after``
        (end_reason "stale") from those still in view (end_reason "closed"). Each
        track ends when it was last seen.
        """
        events = self._end_stale(pts) if pts is not None else []
        return events + [self._end(tid, "closed") for tid in list(self._live)]

    def _end_stale(self, pts: float) -> list[Event]:
        stale = [tid for tid, live in self._live.items() if pts - live.last_pts > self.stale_after]
        for tid in stale:
            log.debug("camera %s: track %s unseen for over %ss, ending it", self.camera, tid, self.stale_after)
        return [self._end(tid, "stale") for tid in stale]

    def _end(self, tid: int, reason: str) -> Event:
        live = self._live.pop(tid)
        self.ended += 1
        return Event(
            kind=TRACK_END, phase="instant", t=live.last_pts, camera=self.camera, track_ids=(tid,),
            started=live.first_pts,
            attributes={
                DURATION: round(live.last_pts - live.first_pts, 4),
                CLASS: class_name(live.majority_class()),
                FIRST_PTS: round(live.first_pts, 4),
                LAST_PTS: round(live.last_pts, 4),
                PATH_PX: round(live.path_px, 1),
                FRAMES: live.frames,
                END_REASON: reason,
            },
        )
