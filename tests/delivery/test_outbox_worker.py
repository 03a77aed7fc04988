"""The outbox worker with small in-memory publishers and a controlled clock (real SQLite store)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from vigil.config.outputs import RetryConfig
from vigil.delivery import OutboxWorker, PublishError
from vigil.delivery.outbox import Backoff
from vigil.events import EventMessage, EventStore, Route
from vigil.types import Event


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakePublisher:
    """Records what it is given; ``fail(message) -> PublishError | None`` decides failures."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.on_ready: Callable[[], None] | None = None
        self.sent: list[str] = []
        self.calls = 0
        self.fail: Callable[[EventMessage], PublishError | None] = lambda m: None
        self.started = self.stopped = False
        self.delivered = threading.Event()

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def publish(self, message: EventMessage) -> None:
        self.calls += 1
        error = self.fail(message)
        if error is not None:
            raise error
        self.sent.append(f"{message.event_id[:4]}:{message.phase}")
        self.delivered.set()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[EventStore]:
    with EventStore(db_url, routes=[Route("a"), Route("b")], clock=clock) as s:
        yield s


def record(store: EventStore, n: int, phase: str = "start") -> list[str]:
    return [store.record(Event("running", phase, 1.0 + i, "cam", (i,), 1.0 + i, {"rule": "r"})) for i in range(n)]


RETRY = RetryConfig.model_validate({"initial": 1.0, "maximum": 4.0, "give_up_after": 3})


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    b = Backoff(1.0, 8.0, jitter=0.2, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(6)]
    for d, base in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert 0.8 * base <= d <= min(8.0, 1.2 * base)
    b.reset()
    assert b.next_delay() <= 1.2
    assert 3.2 <= b.delay_for(3) <= 4.8
    with pytest.raises(ValueError, match="initial"):
        Backoff(5.0, 1.0)


def test_down_destination_waits_and_then_gets_everything_in_order(store: EventStore, clock: Clock) -> None:
    a, b = FakePublisher("a"), FakePublisher("b")
    a.fail = lambda m: PublishError("a: connection refused")
    worker = OutboxWorker(store, [a, b], retry=RETRY)
    ids = record(store, 3)
    assert worker.run_once() == 3  # b delivers; a fails once and backs off
    assert a.calls == 1 and len(b.sent) == 3
    record(store, 1, phase="end")
    worker.run_once()
    assert a.calls == 1  # still waiting out the backoff: not hammered
    h = worker.health()
    assert h.backlog == 4 and h.destinations["a"].pending == 4 and h.destinations["b"].pending == 0
    assert h.last_error == "a: connection refused" and 0.8 <= (h.destinations["a"].retry_in or 0) <= 1.2
    assert h.oldest_pending_age == 0.0

    clock.advance(1.3)
    worker.run_once()
    assert a.calls == 2  # tried again, failed again, now ~2 s
    clock.advance(1.3)
    worker.run_once()
    assert a.calls == 2
    a.fail = lambda m: None
    clock.advance(1.3)
    assert worker.run_once() == 4
    assert a.sent == [f"{i[:4]}:start" for i in ids] + [f"{ids[0][:4]}:end"]
    h = worker.health()
    assert h.backlog == 0 and h.delivered == 8 and h.destinations["a"].retry_in is None


def test_ready_destination_resumes_without_waiting(store: EventStore, clock: Clock) -> None:
    a = FakePublisher("a")
    a.fail = lambda m: PublishError("not connected")
    worker = OutboxWorker(store, [a, FakePublisher("b")], retry=RETRY)
    record(store, 2)
    worker.run_once()
    a.fail = lambda m: None
    worker.run_once()
    assert a.sent == []  # blocked
    assert a.on_ready is not None
    a.on_ready()  # e.g. the broker connection is back
    worker.run_once()
    assert len(a.sent) == 2


def test_refused_message_is_set_aside_without_blocking_others(store: EventStore, clock: Clock) -> None:
    ids = record(store, 3)
    poison = ids[1]
    a, b = FakePublisher("a"), FakePublisher("b")
    a.fail = lambda m: PublishError("HTTP 400", permanent=True) if m.event_id == poison else None
    worker = OutboxWorker(store, [a, b], retry=RETRY)
    worker.run_once()
    assert a.sent == [f"{ids[0][:4]}:start", f"{ids[2][:4]}:start"]
    for _ in range(4):
        clock.advance(5)
        worker.run_once()
    assert a.calls == 2 + 3  # three attempts at the refused one, then it is set aside
    h = worker.health()
    assert (h.backlog, h.failed, h.destinations["a"].failed) == (0, 1, 1)
    a.fail = lambda m: None
    assert store.outbox.requeue_failed("a") == 1
    worker.run_once()
    assert a.sent[-1] == f"{poison[:4]}:start"


def test_worker_threads_deliver_as_records_arrive(store: EventStore) -> None:
    a, b = FakePublisher("a"), FakePublisher("b")
    with OutboxWorker(store, [a, b], retry=RETRY, poll_interval=30.0) as worker:
        assert a.started and b.started and worker.health().running
        t0 = time.monotonic()
        record(store, 5)
        deadline = time.monotonic() + 5
        while (len(a.sent) < 5 or len(b.sent) < 5) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert time.monotonic() - t0 < 2.0  # woken by the store, not by the 30 s poll
    assert len(a.sent) == len(b.sent) == 5 and a.stopped and b.stopped
    assert not worker.health().running


def test_unconfigured_destination_is_reported_not_dropped(store: EventStore) -> None:
    record(store, 2)
    worker = OutboxWorker(store, [FakePublisher("a")], retry=RETRY)
    worker.run_once()
    h = worker.health()
    assert h.destinations["b"].pending == 2 and h.destinations["a"].pending == 0 and h.backlog == 2
    with pytest.raises(ValueError, match="two publishers named 'a'"):
        OutboxWorker(store, [FakePublisher("a"), FakePublisher("a")])
