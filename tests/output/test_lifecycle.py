from __future__ import annotations

from collections.abc import Callable

import pytest

from vigil.output import TrackLifecycle
from vigil.types import Tracks

MakeTracks = Callable[..., Tracks]


def _box(cx: float, bottom: float) -> tuple[float, float, float, float]:
    return (cx - 5, bottom - 20, cx + 5, bottom)


def test_start_and_end_events_with_duration_path_and_class(tracks_of: MakeTracks) -> None:
    life = TrackLifecycle("cam")
    ev0 = life.update(0.0, tracks_of([_box(10, 50)], [1]), [])
    ev1 = life.update(0.5, tracks_of([_box(13, 54), _box(80, 90)], [1, 2], classes=[0, 2]), [])
    ev2 = life.update(1.0, tracks_of([_box(13, 54), _box(80, 90)], [1, 2], classes=[24, 2]), [])
    ev3 = life.update(1.5, tracks_of([_box(80, 90)], [2], classes=[2]), [1])
    assert [(e.kind, e.track_ids, e.t) for e in ev0] == [("track_start", (1,), 0.0)]
    assert ev0[0].phase == "instant" and ev0[0].attributes["class"] == "person"
    assert [(e.kind, e.track_ids, e.t) for e in ev1] == [("track_start", (2,), 0.5)]
    assert ev1[0].attributes["class"] == "car"
    assert ev2 == []
    (end,) = ev3
    assert (end.kind, end.phase, end.track_ids, end.t, end.started) == ("track_end", "instant", (1,), 1.0, 0.0)
    assert end.attributes == {
        "duration": 1.0, "class": "person", "first_pts": 0.0, "last_pts": 1.0,
        "path_px": 5.0, "frames": 3, "end_reason": "finished",
    }
    assert life.live_count == 1
    (closing,) = life.close()
    assert closing.track_ids == (2,) and closing.attributes["duration"] == 1.0
    assert closing.attributes["end_reason"] == "closed" and closing.attributes["class"] == "car"
    assert life.live_count == 0 and life.unique_tracks == life.ended == 2


def test_unknown_finished_ids_are_ignored_and_lost_tracks_are_kept(tracks_of: MakeTracks) -> None:
    life = TrackLifecycle("cam")
    life.update(0.0, tracks_of([_box(0, 10)], [1]), [])
    assert life.update(1.0, Tracks.empty(), [99]) == []  # never seen (e.g. unconfirmed)
    assert life.live_count == 1  # not in this frame, but not finished: occluded, still live
    assert life.update(2.0, tracks_of([_box(0, 10)], [1]), []) == []  # back: no second start


def test_stale_tracks_end_so_state_stays_bounded(tracks_of: MakeTracks) -> None:
    life = TrackLifecycle("cam", stale_after=5.0)
    for i in range(1000):  # a tracker that never reports finished ids
        life.update(float(i), tracks_of([_box(0, 10)], [i + 1]), [])
    assert life.live_count <= 7
    assert life.ended >= 990
    with pytest.raises(ValueError, match="stale_after"):
        TrackLifecycle("cam", stale_after=0)


def test_close_ends_live_tracks_as_last_seen(tracks_of: MakeTracks) -> None:
    life = TrackLifecycle("cam", stale_after=10.0)
    life.update(0.0, tracks_of([_box(0, 10), _box(50, 60)], [1, 2]), [])
    life.update(8.0, tracks_of([_box(50, 60)], [2]), [])
    ends = {e.track_ids[0]: e for e in life.close(12.0)}
    assert ends[1].attributes["end_reason"] == "stale" and ends[1].t == 0.0
    assert ends[2].attributes["end_reason"] == "closed" and ends[2].t == 8.0
    assert ends[2].attributes["duration"] == 8.0
    assert life.close(13.0) == [] and life.live_count == 0
