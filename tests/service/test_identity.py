"""Event ids named in the worker equal the ids the event store gives the same records."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.events.store import EventStore
from vigil.service.identity import EventIdentity
from vigil.types import Event

RUN = "run-1"


def ev(kind: str, phase: str, t: float, ids: tuple[int, ...], started: float | None = None, rule: str = "r") -> Event:
    return Event(kind, phase, t, "cam", ids, started, {"rule": rule})


SEQUENCE = [
    ev("gathering", "start", 10.0, (1, 2), 8.0),
    ev("gathering", "update", 11.0, (2, 3), 8.0),  # track ids change during the event
    ev("gathering", "start", 10.0, (7, 8), 8.0),  # a second event with the same onset
    ev("gathering", "update", 12.0, (3,), 8.0),  # joins the first (3 joined it at the update)
    ev("gathering", "update", 12.0, (8,), 8.0),  # joins the second
    ev("gathering", "end", 13.0, (1, 2, 3), 8.0),
    ev("gathering", "update", 14.0, (9,), 8.0),  # shares nothing: the open one is preferred
    ev("gathering", "end", 15.0, (7, 8, 9), 8.0),
    ev("gathering", "end", 15.0, (7, 8, 9), 8.0),  # a duplicate record
    ev("running", "update", 20.0, (4,), 19.0),  # an update without a start: a new event
    ev("running", "end", 21.0, (4,), 19.0),
    ev("loitering", "instant", 22.0, (5,)),
    ev("loitering", "instant", 22.0, (5,), rule="other"),  # another rule: another id
    ev("loitering", "end", 23.0, (5,), 22.0),  # joins the instant one
    ev("track_start", "start", 30.0, ()),
    ev("track_start", "end", 31.0, (), 30.0),
]


def test_ids_match_the_event_store(tmp_path: Path) -> None:
    ids = EventIdentity(RUN, "cam")
    with EventStore(f"sqlite:///{tmp_path / 'events.db'}") as store:
        stored = [store.record(e, run=RUN) for e in SEQUENCE]
    named = [ids.id_for(e) for e in SEQUENCE]
    assert named == stored
    assert len(set(stored)) == 6  # two gatherings, running, two loiterings (two rules), track_start
    assert named[0] == named[1] == named[3] == named[5] and named[2] == named[4] == named[6] == named[7]
    assert named[0] != named[2]


def test_runs_and_cameras_get_different_ids() -> None:
    e = ev("running", "start", 1.0, (1,))
    assert EventIdentity("a", "cam").id_for(e) != EventIdentity("b", "cam").id_for(e)
    assert EventIdentity("a", "cam").id_for(e) == EventIdentity("a", "cam").id_for(e)


def test_ended_events_are_forgotten_and_memory_is_bounded() -> None:
    ids = EventIdentity(RUN, "cam", keep=10.0, max_events=50)
    first = ids.id_for(ev("running", "start", 0.0, (1,)))
    ids.id_for(ev("running", "end", 1.0, (1,), 0.0))
    assert ids.id_for(ev("running", "update", 2.0, (1,), 0.0)) == first  # still known
    for t in range(2, 40):
        ids.id_for(ev("running", "instant", float(t), (t,)))
    assert len(ids) <= 12  # only the last keep seconds of ended events
    for t in range(100, 200):
        ids.id_for(ev("running", "start", float(t), (t,)))  # never ended
    assert len(ids) == 50


@pytest.mark.parametrize(("keep", "max_events"), [(0.0, 10), (-1.0, 10), (10.0, 0)])
def test_bad_limits_are_refused(keep: float, max_events: int) -> None:
    with pytest.raises(ValueError, match="keep|max_events"):
        EventIdentity(RUN, "cam", keep=keep, max_events=max_events)
