"""The outbox table: due rows in order, delivered, retried later, given up and requeued; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigil.events import EventStore
from vigil.types import Event

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_due_delivered_retry_give_up_requeue(store: EventStore) -> None:
    now = datetime.now(UTC)
    eid = store.record(Event("running", "start", 2.0, "cam1", (4,), 1.0, {"rule": "running", "zone": "door"}, 0.7),
                       at=T0)
    store.record(Event("running", "end", 3.0, "cam1", (4,), 1.0, {"rule": "running"}, 0.9), at=T0 + timedelta(1))

    due = store.outbox.due()
    assert [(i.destination, i.message.phase) for i in due] == [
        ("mqtt", "start"), ("hook", "start"), ("mqtt", "end"), ("hook", "end")]
    first = due[0].message
    assert first.event_id == eid and first.zone == "door" and first.track_ids == (4,)
    assert first.started_at == T0 - timedelta(seconds=1) and first.ended_at is None
    assert due[2].message.ended_at == T0 + timedelta(1)
    assert due[0].message.message_id != due[2].message.message_id
    assert first.to_json()["id"] == eid

    assert [i.destination for i in store.outbox.due(skip={"hook"})] == ["mqtt", "mqtt"]
    assert len(store.outbox.due(limit=1)) == 1
    assert [i.message.phase for i in store.outbox.due(destination="hook")] == ["start", "end"]

    store.outbox.delivered([due[0].id, due[2].id])
    store.outbox.retry(due[1].id, "HTTP 500", now + timedelta(seconds=30))
    store.outbox.give_up(due[3].id, "HTTP 400: bad request")
    assert store.outbox.due(now=now) == []
    later = store.outbox.due(now=now + timedelta(seconds=31))
    assert [(i.id, i.attempts) for i in later] == [(due[1].id, 1)]

    stats = store.outbox.stats()
    assert stats.pending == {"hook": 1} and stats.failed == {"hook": 1} and stats.backlog == 1
    assert stats.oldest["hook"].tzinfo is not None
    assert store.outbox.requeue_failed("mqtt") == 0
    assert store.outbox.requeue_failed() == 1
    assert [i.id for i in store.outbox.due(now=now + timedelta(seconds=31))] == [due[1].id, due[3].id]
