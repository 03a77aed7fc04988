"""Outage: the broker stopped and the webhook answering 500 while events keep coming; after
recovery every record arrives at both (at least once) and the store holds each event once.

Real Mosquitto (restarted, with persistence, as a production broker), real HTTP endpoint,
real store and outbox worker. The outage is a few seconds here; ``vigil bench outage``
runs the same with 60 s (``vigil.delivery.outage_bench``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vigil.config.outputs import RetryConfig
from vigil.delivery import MqttPublisher, OutboxWorker, WebhookPublisher
from vigil.delivery._broker import LocalMosquitto, find_mosquitto
from vigil.delivery._receiver import WebhookReceiver
from vigil.delivery.outage_bench import run_outage_benchmark
from vigil.events import EventStore, Route
from vigil.types import Event

from .conftest import SECRET, Subscriber, mqtt_config

OUTAGE_S = 3.0
FAST_RETRY = RetryConfig.model_validate({"initial": 0.2, "maximum": 1.0})


def wait(check: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.fixture
def durable_broker() -> Iterator[LocalMosquitto]:
    if find_mosquitto() is None:
        pytest.skip("mosquitto binary not found (apt-get install mosquitto)")
    with LocalMosquitto(persistence=True) as broker:
        yield broker


def test_every_record_of_the_outage_arrives_after_recovery(
    durable_broker: LocalMosquitto, receiver: WebhookReceiver, subscribe: Callable[..., Subscriber],
    prefix: str, db_url: str,
) -> None:
    broker = durable_broker
    consumer = subscribe(broker, f"{prefix}/events", durable=True)
    store = EventStore(db_url, routes=[Route("mqtt"), Route("webhook:alerts")])
    mqtt = MqttPublisher(mqtt_config(broker, prefix))
    hook = WebhookPublisher("alerts", receiver.url, SECRET, timeout=2.0)
    with store, OutboxWorker(store, [mqtt, hook], retry=FAST_RETRY) as worker:
        assert mqtt.wait_connected(5)
        broker.stop()
        receiver.fail_with = 500
        t0 = time.monotonic()
        events: set[str] = set()
        k = 0
        while time.monotonic() - t0 < OUTAGE_S:
            k += 1
            start = Event("gathering", "start", float(k), "cam1", (k, k + 1), float(k), {"rule": "gathering"})
            eid = store.record(start)
            assert store.record(start) == eid  # the pipeline retrying: stored once
            store.record(Event("gathering", "update", k + 0.1, "cam1", (k + 1, k + 2), float(k), {"rule": "gathering"}))
            store.record(Event("gathering", "end", k + 0.2, "cam1", (k + 2,), float(k), {"rule": "gathering"}))
            events.add(eid)
            time.sleep(0.2)
        # during the outage nothing arrived, but it was tried
        assert consumer.on(f"{prefix}/events") == [] and receiver.received == []
        assert receiver.rejected > 0
        health = worker.health()
        assert health.backlog == 2 * 3 * len(events) and health.last_error is not None

        broker.start()
        receiver.fail_with = None
        expected = {h.message_id for e in events for h in store.history(e)}
        assert len(expected) == 3 * len(events) >= 30

        def mqtt_ids() -> set[str]:
            return {m.json()["message_id"] for m in consumer.on(f"{prefix}/events")}

        def hook_ids() -> set[str]:
            return {b["message_id"] for b in receiver.bodies()}

        assert wait(lambda: expected <= mqtt_ids() and expected <= hook_ids(), 20), (
            f"missing: mqtt {len(expected - mqtt_ids())}, webhook {len(expected - hook_ids())}")
        assert wait(lambda: worker.health().backlog == 0, 5)

    # each event once in the store, with its three records, under one stable id at both outputs
    with EventStore(db_url, migrate=False) as check:
        stored = check.query(camera="cam1", limit=1000).items
        assert sorted(e.id for e in stored) == sorted(events)
        assert all([h.phase for h in check.history(e.id)] == ["start", "update", "end"] for e in stored)
    for bodies in ([m.json() for m in consumer.on(f"{prefix}/events")], receiver.bodies()):
        assert {b["id"] for b in bodies} == events
        ends = [b for b in bodies if b["phase"] == "end"]
        assert all(b["track_ids"] and b["ended_at"] for b in ends)


def test_outage_benchmark_reports_nothing_lost(tmp_path: Path) -> None:
    if find_mosquitto() is None:
        pytest.skip("mosquitto binary not found (apt-get install mosquitto)")
    report = run_outage_benchmark(outage_seconds=1.5, events_per_second=4, settle_timeout=20,
                                  retry=FAST_RETRY, reconnect_max_delay=1.0, workdir=tmp_path)
    assert report.events >= 6 and report.records == 2 * report.events
    assert report.stored_exactly_once and report.stored_events == report.events
    for dest in (report.mqtt, report.webhook):
        assert (dest.expected, dest.delivered, dest.lost) == (report.records, report.records, 0)
        assert dest.max_delay is not None and 0 < dest.max_delay < 15
    assert report.lost == 0 and report.to_json()["lost"] == 0
