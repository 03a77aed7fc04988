"""Queries and paging, acknowledgement and notes, media, zone counts and retention; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigil.events import EventNotFoundError, EventStore, StoreError
from vigil.types import Event

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def start(store: EventStore, t: float, camera: str = "cam1", kind: str = "running", zone: str | None = None,
          ids: tuple[int, ...] = (1,)) -> str:
    attrs: dict[str, float | int | str | list[float]] = {"rule": f"{kind}-rule"}
    if zone:
        attrs["zone"] = zone
    return store.record(Event(kind, "start", t, camera, ids, t, attrs), at=at(t))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["e4", "e3", "e2", "e1", "e0"]),
        ({"camera": "cam2"}, ["e3", "e1"]),
        ({"camera": ["cam1", "cam2"], "kind": "loitering"}, ["e4", "e2"]),
        ({"rule": "running-rule"}, ["e3", "e1", "e0"]),
        ({"zone": "door"}, ["e4", "e1"]),
        ({"since": at(20), "until": at(40)}, ["e3", "e2"]),
        ({"acknowledged": True}, ["e2"]),
        ({"acknowledged": False}, ["e4", "e3", "e1", "e0"]),
        ({"active": False}, ["e0"]),
        ({"active": True, "camera": "cam1"}, ["e4", "e2"]),
    ],
)
def test_filters(store: EventStore, filters: dict, expected: list[str]) -> None:
    ids = {
        "e0": start(store, 0.0),
        "e1": start(store, 10.0, camera="cam2", zone="door"),
        "e2": start(store, 20.0, kind="loitering"),
        "e3": start(store, 30.0, camera="cam2"),
        "e4": start(store, 40.0, kind="loitering", zone="door"),
    }
    store.record(Event("running", "end", 5.0, "cam1", (1,), 0.0, {"rule": "running-rule"}), at=at(5))
    store.acknowledge(ids["e2"], "ann")
    names = {v: k for k, v in ids.items()}
    assert [names[e.id] for e in store.query(**filters).items] == expected


def test_keyset_paging_sees_every_event_once_while_new_ones_arrive(store: EventStore) -> None:
    made = [start(store, float(i), ids=(i,)) for i in range(23)]
    # three with the same start time: the id breaks the tie
    made += [start(store, 5.0, camera="cam3", ids=(100 + i,)) for i in range(3)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = store.query(limit=5, cursor=cursor)
        seen += [e.id for e in page.items]
        pages += 1
        if pages == 2:
            start(store, 1000.0, ids=(999,))  # newer than everything: must not shift later pages
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen)) == 26
    assert pages == 6
    times = [store.get(i).started_at for i in seen]
    assert times == sorted(times, reverse=True)


def test_paging_errors(store: EventStore) -> None:
    with pytest.raises(StoreError, match="limit 0"):
        store.query(limit=0)
    with pytest.raises(StoreError, match="not a cursor"):
        store.query(cursor="garbage!")


def test_acknowledge_with_note(store: EventStore) -> None:
    eid = start(store, 1.0)
    e = store.acknowledge(eid, "ann", note="false alarm: cleaner", at=at(60))
    assert (e.acknowledged_by, e.acknowledged_at) == ("ann", at(60))
    e = store.acknowledge(eid, "bob", at=at(90))  # first acknowledgement stands
    assert (e.acknowledged_by, e.acknowledged_at) == ("ann", at(60))
    store.add_note(eid, "bob", "checked the clip", at=at(120))
    assert [(n.author, n.text, n.at) for n in store.notes(eid)] == [
        ("ann", "false alarm: cleaner", at(60)),
        ("bob", "checked the clip", at(120)),
    ]
    with pytest.raises(EventNotFoundError, match="no event with id 'nope'"):
        store.acknowledge("nope", "ann")
    with pytest.raises(EventNotFoundError):
        store.get("nope")


def test_media_references(store: EventStore) -> None:
    eid = start(store, 1.0)
    store.attach_media(eid, "snapshot", "snapshots/cam1/a.jpg", at(1))
    store.attach_media(eid, "clip", "clips/cam1/a.mp4", at(0), at(9))
    store.attach_media(eid, "clip", "clips/cam1/a.mp4", at(0), at(9))  # idempotent
    got = store.media(eid)
    assert [(m.kind, m.path, m.started_at, m.ended_at) for m in got] == [
        ("clip", "clips/cam1/a.mp4", at(0), at(9)),
        ("snapshot", "snapshots/cam1/a.jpg", at(1), None),
    ]
    with pytest.raises(StoreError, match="media kind 'gif'"):
        store.attach_media(eid, "gif", "x.gif", at(1))


def test_count_series_buckets(store: EventStore) -> None:
    for i in range(12):  # one sample every 10 s for 2 minutes, counts 0..11
        store.record_counts("cam1", {"door": i, "hall": 2 * i}, at=at(10 * i))
    store.record_counts("cam2", {"door": 50}, at=at(5))
    series = store.count_series("cam1", "door", at(0), at(120), bucket=60)
    assert [(b.start, b.samples, b.minimum, b.maximum, b.mean) for b in series] == [
        (at(0), 6, 0, 5, 2.5),
        (at(60), 6, 6, 11, 8.5),
    ]
    hall = store.count_series("cam1", "hall", at(30), at(60), bucket=15)
    assert [(b.start, b.samples, b.maximum) for b in hall] == [(at(30), 2, 8), (at(45), 1, 10)]
    raw = store.counts("cam2", "door", at(0), at(60))
    assert [(s.at, s.count) for s in raw] == [(at(5), 50)]
    with pytest.raises(StoreError, match=r"bucket 0\.5 s"):
        store.count_series("cam1", "door", at(0), at(10), bucket=0.5)


def test_retention_deletes_old_events_with_everything_attached(store: EventStore) -> None:
    old = start(store, 0.0)
    store.record(Event("running", "end", 5.0, "cam1", (1,), 0.0, {"rule": "running-rule"}), at=at(5))
    store.acknowledge(old, "ann", note="ok", at=at(6))
    store.attach_media(old, "clip", "clips/old.mp4", at(0), at(5))
    new = start(store, 0.0, camera="cam2")
    store.record(Event("running", "update", 3 * 86400.0, "cam2", (1,), 0.0, {"rule": "running-rule"}),
                 at=at(3 * 86400))
    store.attach_media(new, "snapshot", "snap/new.jpg", at(1))
    store.record_counts("cam1", {"door": 1}, at=at(0))
    store.record_counts("cam1", {"door": 2}, at=at(3 * 86400))

    result = store.delete_older_than(2, now=at(3 * 86400 + 60))
    assert (result.events, result.counts, result.media_paths) == (1, 1, ["clips/old.mp4"])
    assert [e.id for e in store.query().items] == [new]
    assert store.history(old) == [] and store.notes(old) == [] and store.media(old) == []
    assert [s.count for s in store.counts("cam1", "door", at(0), at(4 * 86400))] == [2]
    # the outbox rows of the deleted event went with it
    assert store.outbox.stats().pending == {"mqtt": 2, "hook": 2}
    with pytest.raises(StoreError, match="-1 days"):
        store.delete_older_than(-1)
