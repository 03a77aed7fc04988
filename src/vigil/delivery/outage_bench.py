"""Outage benchmark: stop the MQTT broker and fail the webhook for a while, keep raising
events, recover, and count what arrives.

Everything runs locally: a Mosquitto broker (``mosquitto`` binary) with persistence, a
webhook receiver that checks signatures, a SQLite store in a temp dir, the real MQTT and
webhook publishers and the outbox worker with default retry settings. A durable MQTT
subscriber and the receiver stand in for consumers.

Each event has a start and an end record; each start is recorded twice (the pipeline
retrying) to check that the store keeps one. ``run_outage_benchmark`` returns per
destination how many records were expected, delivered (distinct message ids), lost and
repeated, and the delays from recording to first arrival.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from vigil.config.outputs import MqttConfig, RetryConfig
from vigil.delivery._broker import LocalMosquitto
from vigil.delivery._probe import MqttProbe
from vigil.delivery._receiver import WebhookReceiver
from vigil.delivery.mqtt import MqttPublisher
from vigil.delivery.outbox import OutboxWorker
from vigil.delivery.webhook import WebhookPublisher
from vigil.events.records import Route
from vigil.events.store import EventStore
from vigil.types import Event

log = logging.getLogger(__name__)

PREFIX = "vigilbench"
SECRET = b"outage-benchmark-secret"


@dataclass(frozen=True, slots=True)
class DestinationResult:
    """expected: records queued for this destination; delivered: distinct ones that arrived.

    Delays (s) run from recording to first arrival, over the records made during the
    outage; recovery (s) from the end of the outage to the last of them arriving.
    """

    expected: int
    delivered: int
    lost: int
    duplicates: int
    max_delay: float | None
    median_delay: float | None
    recovery: float | None


@dataclass(frozen=True, slots=True)
class OutageReport:
    outage_seconds: float
    events: int
    records: int
    stored_events: int
    stored_records: int
    stored_exactly_once: bool
    mqtt: DestinationResult
    webhook: DestinationResult

    @property
    def lost(self) -> int:
        return self.mqtt.lost + self.webhook.lost

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "lost": self.lost}


def _result(
    expected: dict[str, float], outage_ids: set[str], arrivals: list[tuple[str, float]], recovered_at: float
) -> DestinationResult:
    first: dict[str, float] = {}
    for mid, t in arrivals:
        if mid in expected and mid not in first:
            first[mid] = t
    known = [mid for mid, _ in arrivals if mid in expected]
    delays = [first[m] - expected[m] for m in outage_ids if m in first]
    last = max((first[m] for m in outage_ids if m in first), default=None)
    return DestinationResult(
        expected=len(expected),
        delivered=len(first),
        lost=len(expected) - len(first),
        duplicates=len(known) - len(first),
        max_delay=round(max(delays), 3) if delays else None,
        median_delay=round(statistics.median(delays), 3) if delays else None,
        recovery=None if last is None else round(max(0.0, last - recovered_at), 3),
    )


def run_outage_benchmark(
    outage_seconds: float = 60.0,
    events_per_second: float = 2.0,
    settle_timeout: float = 120.0,
    retry: RetryConfig | None = None,
    reconnect_max_delay: float = 10.0,
    workdir: Path | None = None,
) -> OutageReport:
    """Run the outage scenario once; see the module docstring. Needs the ``mosquitto`` binary.

    outage_seconds: how long the broker is down and the webhook answers 500.
    events_per_second: events raised during the outage (each: start, repeated start, end).
    settle_timeout: how long to wait after recovery for everything to arrive.
    retry, reconnect_max_delay: outbox retry and MQTT reconnect settings (defaults: Vigil's).
    """
    if outage_seconds <= 0 or events_per_second <= 0:
        raise ValueError("outage_seconds and events_per_second must be positive")
    with tempfile.TemporaryDirectory(prefix="vigil-outage-", dir=workdir) as tmp:
        return _run(Path(tmp), outage_seconds, events_per_second, settle_timeout,
                    retry or RetryConfig.model_validate({}), reconnect_max_delay)


def _run(
    tmp: Path, outage: float, rate: float, settle_timeout: float, retry: RetryConfig, reconnect_max: float
) -> OutageReport:
    broker = LocalMosquitto(persistence=True)
    broker.start()
    receiver = WebhookReceiver(SECRET)
    receiver.start()
    store = EventStore(f"sqlite:///{tmp / 'vigil.db'}", routes=[Route("mqtt"), Route("webhook:bench")])
    cfg = MqttConfig.model_validate({"host": broker.host, "port": broker.port, "client_id": "vigil-bench",
                                     "topic_prefix": PREFIX, "reconnect_max_delay": reconnect_max})
    mqtt = MqttPublisher(cfg)
    hook = WebhookPublisher("bench", receiver.url, SECRET, timeout=5.0)
    probe = MqttProbe(broker.host, broker.port, f"{PREFIX}/events", durable=True)
    worker = OutboxWorker(store, [mqtt, hook], retry=retry)
    recorded: dict[str, float] = {}  # message id -> time.time() when recorded
    event_ids: set[str] = set()
    lock = threading.Lock()

    def raise_event(t: float) -> None:
        start = Event("running", "start", t, "bench", (int(t * 10),), t, {"rule": "running", "zone": "z"})
        eid = store.record(start)
        store.record(start)  # the pipeline retrying: stored once
        store.record(Event("running", "end", t + 0.05, "bench", (int(t * 10),), t, {"rule": "running"}))
        with lock:
            event_ids.add(eid)
            now = time.time()
            for h in store.history(eid):
                recorded.setdefault(h.message_id, now)

    try:
        worker.start()
        if not mqtt.wait_connected(10):
            raise TimeoutError("mqtt publisher did not connect to the benchmark broker")
        raise_event(0.0)  # warm-up, delivered before the outage
        _wait(lambda: receiver.received and probe.messages, 10)
        log.info("outage: broker stopped and webhook failing for %.0f s", outage)
        broker.stop()
        receiver.fail_with = 500
        before = set(recorded)
        t0 = time.monotonic()
        n = 0
        while time.monotonic() - t0 < outage:
            n += 1
            raise_event(float(n))
            time.sleep(max(0.0, t0 + n / rate - time.monotonic()))
        broker.start()
        receiver.fail_with = None
        recovered = time.time()
        log.info("outage: over after %s events; waiting for delivery", n)
        outage_ids = set(recorded) - before

        def arrived() -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
            m = [(msg.json()["message_id"], msg.arrived) for msg in list(probe.messages)]
            w = [(r.body["message_id"], r.arrived) for r in list(receiver.received)]
            return m, w

        def complete() -> bool:
            m, w = arrived()
            return set(recorded) <= {i for i, _ in m} and set(recorded) <= {i for i, _ in w}

        _wait(complete, settle_timeout)
        m, w = arrived()
        page = store.query(camera="bench", limit=1000)
        stored_records = sum(len(store.history(e.id)) for e in page.items)
        return OutageReport(
            outage_seconds=outage,
            events=len(event_ids),
            records=len(recorded),
            stored_events=len(page.items),
            stored_records=stored_records,
            stored_exactly_once=sorted(e.id for e in page.items) == sorted(event_ids)
            and stored_records == len(recorded),
            mqtt=_result(recorded, outage_ids, m, recovered),
            webhook=_result(recorded, outage_ids, w, recovered),
        )
    finally:
        worker.stop()
        probe.close()
        store.close()
        receiver.close()
        broker.close()


def _wait(check: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False
