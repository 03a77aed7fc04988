"""Fixtures: a real Mosquitto broker on loopback (skips only when the binary is absent),
a webhook receiver, a subscriber that records what arrives, and unique topic prefixes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from vigil.config.outputs import MqttConfig
from vigil.delivery._broker import LocalMosquitto, find_mosquitto
from vigil.delivery._probe import MqttProbe as Subscriber
from vigil.delivery._receiver import WebhookReceiver

SECRET = b"test-secret-\xe2\x9c\x93"


def _need_mosquitto() -> None:
    if find_mosquitto() is None:
        pytest.skip("mosquitto binary not found (apt-get install mosquitto)")


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[LocalMosquitto]:
    """One broker for the session; tests keep apart by topic prefix."""
    _need_mosquitto()
    with LocalMosquitto() as broker:
        yield broker


@pytest.fixture
def own_mosquitto() -> Iterator[LocalMosquitto]:
    """A broker of this test's own, to stop and restart."""
    _need_mosquitto()
    with LocalMosquitto() as broker:
        yield broker


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


def mqtt_config(broker: LocalMosquitto, prefix: str, **kw: Any) -> MqttConfig:
    return MqttConfig(host=broker.host, port=broker.port, client_id=f"vigil-{prefix}", topic_prefix=prefix,
                      discovery_prefix=f"{prefix}-ha", reconnect_max_delay=1.0, publish_timeout=2.0, **kw)


@pytest.fixture
def subscribe() -> Iterator[Callable[..., Subscriber]]:
    made: list[Subscriber] = []

    def make(broker: LocalMosquitto, *filters: str, durable: bool = False) -> Subscriber:
        s = Subscriber(broker.host, broker.port, *filters, durable=durable)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as r:
        yield r


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'vigil.db'}"
