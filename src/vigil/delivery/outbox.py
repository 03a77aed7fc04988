"""The outbox worker: delivers what ``EventStore.record`` queued, until every destination has it.

One thread per destination (a hung webhook does not hold up MQTT). Each takes its due
rows oldest first, publishes them and marks them delivered. When the destination fails,
the row records the error and the destination waits (exponential backoff with jitter,
capped) before the next try, starting again from its oldest row, so order is kept and
nothing is skipped. A message the destination refuses outright (HTTP 4xx) is retried
on its own schedule and set aside after ``give_up_after`` attempts.

Delivery is at least once: a crash between publishing and marking delivered sends the
message again after restart; consumers de-duplicate on the message id.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from vigil.config.outputs import RetryConfig
from vigil.delivery.base import Publisher
from vigil.errors import PublishError
from vigil.events.errors import StoreError
from vigil.events.store import EventStore

log = logging.getLogger(__name__)


class Backoff:
    """Delays of ``initial`` seconds doubling up to ``maximum``, each jittered by ±``jitter``."""

    def __init__(self, initial: float, maximum: float, jitter: float = 0.2, rng: random.Random | None = None) -> None:
        if not 0.0 < initial <= maximum:
            raise ValueError(f"backoff needs 0 < initial ({initial}) <= maximum ({maximum})")
        self.initial, self.maximum, self.jitter = initial, maximum, jitter
        self._rng = rng or random.Random()
        self._base = initial

    def next_delay(self) -> float:
        base = self._base
        self._base = min(self.maximum, self._base * 2.0)
        return min(self.maximum, base * (1.0 + self.jitter * (2.0 * self._rng.random() - 1.0)))

    def delay_for(self, attempt: int) -> float:
        """Delay after the ``attempt``-th failure (1-based) of one row, jittered."""
        base = min(self.maximum, self.initial * 2.0 ** max(0, attempt - 1))
        return min(self.maximum, base * (1.0 + self.jitter * (2.0 * self._rng.random() - 1.0)))

    def reset(self) -> None:
        self._base = self.initial


@dataclass(frozen=True, slots=True)
class DestinationHealth:
    pending: int
    failed: int
    oldest_pending_age: float | None
    delivered: int
    last_error: str | None
    last_error_at: datetime | None
    retry_in: float | None


@dataclass(frozen=True, slots=True)
class OutboxHealth:
    """Backlog (undelivered rows), the oldest one's age (s), and the latest error, per destination and in all."""

    running: bool
    backlog: int
    failed: int
    oldest_pending_age: float | None
    delivered: int
    last_error: str | None
    last_error_at: datetime | None
    destinations: dict[str, DestinationHealth]


class _Lane:
    """Delivery to one destination, on its own thread."""

    def __init__(self, worker: OutboxWorker, publisher: Publisher) -> None:
        self.worker = worker
        self.publisher = publisher
        self.destination = publisher.name
        self.backoff = Backoff(worker.retry.initial, worker.retry.maximum, rng=worker.rng)
        self.blocked_until: datetime | None = None
        self.failing_since: datetime | None = None
        self.delivered = 0
        self.last_error: str | None = None
        self.last_error_at: datetime | None = None
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        publisher.on_ready = self.resume

    def resume(self) -> None:
        """The destination is reachable again: retry now instead of waiting out the backoff."""
        self.blocked_until = None
        self.wake.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                busy = self.run_once()
            except StoreError as e:  # database unavailable for a moment: keep going
                log.warning("outbox %s: %s", self.destination, e)
                busy = False
            except Exception:  # a bug in a publisher must not end delivery for good
                log.exception("outbox %s: unexpected error", self.destination)
                busy = False
            if busy:
                continue
            wait = self.worker.poll_interval
            if self.blocked_until is not None:
                wait = min(wait, max(0.0, (self.blocked_until - self.worker.clock()).total_seconds()))
            self.wake.wait(wait)
            self.wake.clear()

    def run_once(self) -> bool:
        """Deliver what is due; True if a full batch went out (more may be waiting)."""
        now = self.worker.clock()
        if self.blocked_until is not None and now < self.blocked_until:
            return False
        outbox = self.worker.store.outbox
        items = outbox.due(limit=self.worker.batch, destination=self.destination, now=now)
        for item in items:
            if self.worker.stopping.is_set():
                return False
            try:
                self.publisher.publish(item.message)
            except PublishError as e:
                self._failed(item.id, item.attempts, e)
                if not e.permanent:
                    return False
                continue
            outbox.delivered([item.id], self.worker.clock())
            self.delivered += 1
            if self.failing_since is not None:
                log.info("outbox %s: delivering again after %.1f s of failures", self.destination,
                         (self.worker.clock() - self.failing_since).total_seconds())
                self.failing_since = None
                self.blocked_until = None
                self.backoff.reset()
        return len(items) == self.worker.batch

    def _failed(self, row: int, attempts: int, e: PublishError) -> None:
        now = self.worker.clock()
        self.last_error, self.last_error_at = str(e), now
        outbox = self.worker.store.outbox
        if e.permanent:
            if attempts + 1 >= self.worker.retry.give_up_after:
                outbox.give_up(row, str(e), now)
                log.error("outbox %s: giving up on row %s after %s attempts: %s", self.destination, row,
                          attempts + 1, e)
            else:
                delay = self.backoff.delay_for(attempts + 1)
                outbox.retry(row, str(e), now + timedelta(seconds=delay))
                log.warning("outbox %s: refused (%s); retrying that message in %.1f s", self.destination, e, delay)
            return
        delay = self.backoff.next_delay()
        self.blocked_until = now + timedelta(seconds=delay)
        if self.failing_since is None:
            self.failing_since = now
        outbox.retry(row, str(e), now)  # the destination waits, not the row: order is kept
        log.warning("outbox %s: %s; retrying in %.1f s", self.destination, e, delay)


class OutboxWorker:
    """Delivers the store's outbox through ``publishers`` (one thread each) until stopped.

    ``start()`` starts the publishers and threads, ``stop()`` stops them; also a context
    manager. ``health()`` reports backlog, oldest pending age and the last error.
    """

    def __init__(
        self,
        store: EventStore,
        publishers: Iterable[Publisher],
        *,
        retry: RetryConfig | None = None,
        batch: int = 100,
        poll_interval: float = 1.0,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.retry = retry or RetryConfig.model_validate({})
        self.batch = batch
        self.poll_interval = poll_interval
        self.rng = rng or random.Random()
        self.clock = clock or store.clock
        self.stopping = threading.Event()
        self._lanes: dict[str, _Lane] = {}
        for p in publishers:
            if p.name in self._lanes:
                raise ValueError(f"two publishers named {p.name!r}")
            self._lanes[p.name] = _Lane(self, p)
        self._running = False
        store.add_listener(self.wake)

    @property
    def destinations(self) -> list[str]:
        return list(self._lanes)

    def wake(self) -> None:
        """Look for due rows now (the store calls this after each queued record)."""
        for lane in self._lanes.values():
            lane.wake.set()

    def start(self) -> None:
        if self._running:
            return
        self.stopping.clear()
        stats = self.store.outbox.stats()
        for destination, n in stats.pending.items():
            if destination not in self._lanes:
                log.warning("outbox: %s undelivered messages for %s, which is not configured", n, destination)
        for lane in self._lanes.values():
            lane.publisher.start()
            lane.thread = threading.Thread(
                target=lane.run, args=(self.stopping,), name=f"outbox-{lane.destination}", daemon=True
            )
            lane.thread.start()
        self._running = True
        log.info("outbox: delivering to %s (%s pending)", ", ".join(self._lanes) or "nothing", stats.backlog)

    def stop(self, timeout: float = 10.0) -> None:
        if not self._running:
            return
        self.stopping.set()
        self.wake()
        for lane in self._lanes.values():
            if lane.thread is not None:
                lane.thread.join(timeout)
                if lane.thread.is_alive():
                    log.warning("outbox %s: thread still busy after %.0f s", lane.destination, timeout)
            lane.publisher.stop()
        self._running = False

    def __enter__(self) -> OutboxWorker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run_once(self) -> int:
        """One delivery pass over every destination in the calling thread (tests, tools); returns rows delivered."""
        before = sum(lane.delivered for lane in self._lanes.values())
        for lane in self._lanes.values():
            while lane.run_once():
                pass
        return sum(lane.delivered for lane in self._lanes.values()) - before

    def health(self) -> OutboxHealth:
        stats = self.store.outbox.stats()
        now = self.clock()
        names = sorted(set(self._lanes) | set(stats.pending) | set(stats.failed))
        per: dict[str, DestinationHealth] = {}
        for name in names:
            lane = self._lanes.get(name)
            oldest = stats.oldest.get(name)
            retry_in = None
            if lane is not None and lane.blocked_until is not None:
                retry_in = max(0.0, (lane.blocked_until - now).total_seconds())
            per[name] = DestinationHealth(
                pending=stats.pending.get(name, 0),
                failed=stats.failed.get(name, 0),
                oldest_pending_age=None if oldest is None else max(0.0, (now - oldest).total_seconds()),
                delivered=0 if lane is None else lane.delivered,
                last_error=None if lane is None else lane.last_error,
                last_error_at=None if lane is None else lane.last_error_at,
                retry_in=retry_in,
            )
        ages = [h.oldest_pending_age for h in per.values() if h.oldest_pending_age is not None]
        errors = [(h.last_error_at, h.last_error) for h in per.values() if h.last_error_at is not None]
        last_at, last = max(errors) if errors else (None, None)
        return OutboxHealth(
            running=self._running,
            backlog=stats.backlog,
            failed=sum(stats.failed.values()),
            oldest_pending_age=max(ages) if ages else None,
            delivered=sum(h.delivered for h in per.values()),
            last_error=last,
            last_error_at=last_at,
            destinations=per,
        )
