"""An MQTT subscriber that records what arrives, for tests and the outage benchmark.

``durable=True`` keeps its session on the broker (clean_session off, QoS 1), so messages
published while it is disconnected are queued for it, as for a real consumer.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


@dataclass(frozen=True, slots=True)
class Msg:
    topic: str
    payload: bytes
    retain: bool
    arrived: float  # time.time()

    def json(self) -> Any:
        return json.loads(self.payload)


class MqttProbe:
    """Subscribes to ``filters`` on ``host:port`` and keeps every message in ``messages``."""

    def __init__(self, host: str, port: int, *filters: str, durable: bool = False, timeout: float = 5.0) -> None:
        self.messages: list[Msg] = []
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self._filters = filters
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex[:10]}", clean_session=not durable
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(1, 1)
        self.client.connect(host, port)
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            self.close()
            raise TimeoutError(f"mqtt probe: not subscribed to {host}:{port} within {timeout} s")

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if not getattr(flags, "session_present", False):
            client.subscribe([(f, 1) for f in self._filters])

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append(Msg(msg.topic, bytes(msg.payload), bool(msg.retain), time.time()))
            self._cond.notify_all()

    def on(self, topic: str) -> list[Msg]:
        with self._cond:
            return [m for m in self.messages if m.topic == topic]

    def wait_for(self, check: Callable[[list[Msg]], bool], timeout: float = 10.0) -> list[Msg]:
        """Block until ``check(messages)`` holds; TimeoutError (listing what came) if not within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not check(self.messages):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"mqtt probe: condition not met in {timeout} s; got "
                                       f"{[(m.topic, m.payload[:60]) for m in self.messages][-20:]}")
                self._cond.wait(left)
            return list(self.messages)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
