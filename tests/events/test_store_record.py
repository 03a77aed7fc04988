"""Recording: stable ids, idempotence, history, outbox rows in the same write; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigil.errors import VigilError
from vigil.events import EventStore, Route, StoreError, event_id
from vigil.types import Event

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def ev(phase: str, t: float, ids: tuple[int, ...] = (1,), started: float | None = 10.0, kind: str = "running",
       camera: str = "cam1", **attrs: str | float) -> Event:
    return Event(kind, phase, t, camera, ids, started, {"rule": kind, **attrs}, 0.8)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_same_record_twice_is_stored_once(store: EventStore) -> None:
    first = store.record(ev("start", 12.0), at=at(12))
    again = store.record(ev("start", 12.0), at=at(12.5))
    assert first == again
    page = store.query()
    assert [e.id for e in page.items] == [first]
    assert [h.phase for h in store.history(first)] == ["start"]
    # one outbox row per accepting route, not one per call
    assert store.outbox.stats().pending == {"mqtt": 1, "hook": 1}


def test_update_and_end_append_history_under_the_start_id(store: EventStore) -> None:
    eid = store.record(ev("start", 12.0, ids=(1, 2)), at=at(12))
    assert store.record(ev("update", 13.0, ids=(2, 3)), at=at(13)) == eid
    assert store.record(ev("end", 15.0, ids=(3,)), at=at(15)) == eid
    assert store.record(ev("end", 15.0, ids=(3,)), at=at(15)) == eid  # repeated end: no new row
    assert [h.phase for h in store.history(eid)] == ["start", "update", "end"]
    assert [h.track_ids for h in store.history(eid)] == [(1, 2), (2, 3), (3,)]
    e = store.get(eid)
    assert e.phase == "end" and not e.active
    assert e.track_ids == (1, 2, 3)
    assert e.started_at == at(10)  # stream onset 10.0 s, recorded at t=12 s
    assert e.ended_at == at(15)
    assert e.duration == pytest.approx(5.0)
    assert store.outbox.stats().pending == {"mqtt": 3, "hook": 3}


def test_id_is_the_documented_uuid5(store: EventStore) -> None:
    eid = store.record(ev("start", 12.0, ids=(7, 3)), at=at(12))
    assert eid == event_id("run1", "cam1", "running", "running", 10.0, [3, 7])
    assert len(eid) == 36 and eid[14] == "5"


def test_simultaneous_episodes_keep_their_own_ids(store: EventStore) -> None:
    a = store.record(ev("start", 12.0, ids=(1,)), at=at(12))
    b = store.record(ev("start", 12.0, ids=(2,)), at=at(12))
    assert a != b
    assert store.record(ev("end", 14.0, ids=(2,)), at=at(14)) == b
    assert store.record(ev("end", 16.0, ids=(1,)), at=at(16)) == a
    assert store.get(a).ended_at == at(16)
    assert store.get(b).ended_at == at(14)


def test_update_without_start_makes_an_event(store: EventStore) -> None:
    eid = store.record(ev("update", 20.0, started=18.0), at=at(20))
    e = store.get(eid)
    assert e.phase == "update" and e.active and e.started_at == at(18)


def test_new_run_gets_new_ids(db_url: str) -> None:
    with EventStore(db_url, run="a") as s1, EventStore(db_url, run="b", migrate=False) as s2:
        assert s1.record(ev("start", 12.0), at=at(12)) != s2.record(ev("start", 12.0), at=at(12))
        assert len(s1.query().items) == 2


def test_instant_events_are_distinct_and_not_active(store: EventStore) -> None:
    ids = {
        store.record(ev("instant", t, ids=(1,), started=t, kind="line_crossing", line="gate"), at=at(t))
        for t in (1.0, 2.0, 3.0)
    }
    assert len(ids) == 3
    page = store.query(kind="line_crossing")
    assert len(page.items) == 3
    assert all(e.line == "gate" and not e.active and e.ended_at == e.started_at for e in page.items)
    # the webhook route only takes 'running'
    assert store.outbox.stats().pending == {"mqtt": 3}


def test_attributes_are_sanitised_and_names_checked(store: EventStore) -> None:
    eid = store.record(Event("running", "start", 1.0, "cam1", (1,), 1.0, {"rule": "r", "speed": float("nan")}),
                       at=at(1))
    assert store.get(eid).attributes == {"rule": "r", "speed": None}
    with pytest.raises(StoreError, match="unknown phase 'begin'"):
        store.record(ev("begin", 1.0))
    with pytest.raises(StoreError, match=r"camera .* longer than 64"):
        store.record(ev("start", 1.0, camera="c" * 65))
    with pytest.raises(StoreError, match="naive datetime"):
        store.record(ev("start", 1.0), at=datetime(2024, 1, 1))
    assert issubclass(StoreError, VigilError)


def test_listeners_hear_of_every_stored_record(db_url: str) -> None:
    heard: list[str] = []

    def a() -> None:
        heard.append("a")

    def b() -> None:
        heard.append("b")

    with EventStore(db_url, routes=[Route("mqtt", cameras=frozenset({"cam1"}))]) as s:
        s.add_listener(a)
        s.add_listener(b)
        eid = s.record(ev("start", 1.0), at=at(1))
        assert heard == ["a", "b"]
        s.record(ev("start", 1.0, camera="cam2"), at=at(1))  # no route accepts it: still stored
        assert heard == ["a", "b"] * 2
        s.record(ev("start", 1.0), at=at(1))  # duplicate: nothing stored
        assert heard == ["a", "b"] * 2
        s.acknowledge(eid, "op")
        assert heard == ["a", "b"] * 3
        s.acknowledge(eid, "op2")  # already acknowledged: no change
        assert heard == ["a", "b"] * 3
        s.remove_listener(a)
        s.remove_listener(a)  # not registered any more: ignored
        s.record(ev("end", 2.0), at=at(2))
    assert heard == ["a", "b"] * 3 + ["b"]


def test_a_failing_listener_does_not_fail_the_record(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    heard: list[int] = []

    def broken() -> None:
        raise RuntimeError("listener bug")

    with EventStore(db_url) as s:
        s.add_listener(broken)
        s.add_listener(lambda: heard.append(1))
        eid = s.record(ev("start", 1.0), at=at(1))
        assert s.get(eid).phase == "start"
    assert heard == [1]
    assert "listener" in caplog.text and "listener bug" in caplog.text


def test_given_event_id_is_used_for_every_phase(store: EventStore) -> None:
    given = event_id("worker-run", "cam1", "running", "running", 10.0, [1])
    assert store.record(ev("start", 12.0), at=at(12), event_id=given) == given
    assert store.record(ev("update", 13.0, ids=(1, 2)), at=at(13), event_id=given) == given
    assert store.record(ev("update", 13.0, ids=(1, 2)), at=at(13), event_id=given) == given  # repeated
    assert store.record(ev("end", 15.0), at=at(15), event_id=given) == given
    assert [e.id for e in store.query().items] == [given]
    assert [h.phase for h in store.history(given)] == ["start", "update", "end"]
    e = store.get(given)
    assert e.track_ids == (1, 2) and e.ended_at == at(15) and e.started_at == at(10)
    assert store.outbox.stats().pending == {"mqtt": 3, "hook": 3}
    # an end without event_id still finds the event by its onset and tracks (same store run)
    other = store.record(ev("start", 20.0, ids=(5,), started=20.0), at=at(20), event_id="clip-key-1")
    assert other == "clip-key-1"
    assert store.record(ev("end", 22.0, ids=(5,), started=20.0), at=at(22)) == "clip-key-1"


def test_given_event_id_of_another_camera_is_refused(store: EventStore) -> None:
    eid = store.record(ev("start", 12.0), at=at(12), event_id="shared-id")
    with pytest.raises(StoreError, match="belongs to camera 'cam1'"):
        store.record(ev("update", 13.0, camera="cam2"), at=at(13), event_id="shared-id")
    assert [h.phase for h in store.history(eid)] == ["start"]  # nothing of the refused record kept
    assert store.get(eid).camera == "cam1"
    with pytest.raises(StoreError, match="event_id"):
        store.record(ev("start", 1.0), event_id="x" * 37)
    with pytest.raises(StoreError, match="event_id"):
        store.record(ev("start", 1.0), event_id="")


class ExplodingRoute:
    """A route that fails while the record is being written (as a crash would)."""

    destination = "boom"

    def accepts(self, camera: str, kind: str) -> bool:
        raise RuntimeError("crash while queueing")


def test_event_and_outbox_rows_are_one_transaction(db_url: str) -> None:
    with EventStore(db_url, routes=[Route("mqtt"), ExplodingRoute()]) as s:  # type: ignore[list-item]
        with pytest.raises(RuntimeError, match="crash while queueing"):
            s.record(ev("start", 12.0), at=at(12))
        # nothing half-written: no event without its outbox rows
        assert s.query().items == []
        assert s.outbox.stats().backlog == 0
