"""MQTT output in the conventions Home Assistant and Frigate users know (paho-mqtt 2, QoS 1).

Topics (``vigil`` is ``topic_prefix``; names are made topic-safe: ``/ # +`` and spaces become ``_``)::

    vigil/available                  "online" / "offline", retained; "offline" is the last will
    vigil/events                     one JSON per event record (start/update/end/instant), as the
                                     webhook body (see vigil.delivery.webhook); not retained
    vigil/<camera>/<rule>/state      "ON" while an event of that rule is active, "OFF" after; retained
    vigil/<camera>/<zone>/count      people in the zone, retained (``publish_counts``)
    homeassistant/binary_sensor/vigil_<camera>_<rule>/config   HA discovery, retained
    homeassistant/sensor/vigil_<camera>_<zone>_count/config    HA discovery, retained

After each (re)connect the client publishes "online", the discovery configs and the
latest states and counts again, so a broker restarted without persistence is whole again.
``publish`` returns once the broker acknowledged every message (PUBACK), else raises
PublishError: the outbox retries it later. A message may then arrive twice (at least
once delivery); consumers de-duplicate on ``message_id``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from vigil import __version__
from vigil.config.outputs import MqttConfig
from vigil.errors import PublishError
from vigil.events.records import EventMessage

log = logging.getLogger(__name__)

QOS = 1
MAX_QUEUED = 1000  # paho's own queue; the outbox is the real one
_UNSAFE_TOPIC = re.compile(r"[/#+\s\x00]+")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def topic_level(name: str) -> str:
    """``name`` as one topic level: no separators or wildcards."""
    return _UNSAFE_TOPIC.sub("_", name.strip()) or "_"


def object_id(*parts: str) -> str:
    """A Home Assistant object id (``[A-Za-z0-9_-]``) from ``parts`` joined by ``_``."""
    return _UNSAFE_ID.sub("_", "_".join(parts)).strip("_") or "_"


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names for one prefix; see the module docstring."""

    prefix: str = "vigil"
    discovery_prefix: str = "homeassistant"

    @property
    def available(self) -> str:
        return f"{self.prefix}/available"

    @property
    def events(self) -> str:
        return f"{self.prefix}/events"

    def state(self, camera: str, rule: str) -> str:
        return f"{self.prefix}/{topic_level(camera)}/{topic_level(rule)}/state"

    def count(self, camera: str, zone: str) -> str:
        return f"{self.prefix}/{topic_level(camera)}/{topic_level(zone)}/count"

    def rule_discovery(self, camera: str, rule: str) -> str:
        return f"{self.discovery_prefix}/binary_sensor/{object_id(self.prefix, camera, rule)}/config"

    def count_discovery(self, camera: str, zone: str) -> str:
        return f"{self.discovery_prefix}/sensor/{object_id(self.prefix, camera, zone, 'count')}/config"


def _device(topics: Topics, camera: str) -> dict[str, Any]:
    return {
        "identifiers": [object_id(topics.prefix, camera)],
        "name": f"Vigil {camera}",
        "manufacturer": "Vigil",
        "model": "camera analytics",
        "sw_version": __version__,
    }


def rule_discovery(topics: Topics, camera: str, rule: str, kind: str) -> dict[str, Any]:
    """Home Assistant discovery config of the binary sensor for one camera's rule."""
    return {
        "name": f"{rule}",
        "unique_id": object_id(topics.prefix, camera, rule),
        "object_id": object_id(topics.prefix, camera, rule),
        "state_topic": topics.state(camera, rule),
        "payload_on": "ON",
        "payload_off": "OFF",
        "availability_topic": topics.available,
        "payload_available": "online",
        "payload_not_available": "offline",
        "device_class": "occupancy" if kind in ("loitering", "gathering", "overcrowding", "intrusion") else "problem",
        "device": _device(topics, camera),
    }


def count_discovery(topics: Topics, camera: str, zone: str) -> dict[str, Any]:
    """Home Assistant discovery config of the people-count sensor for one camera zone."""
    return {
        "name": f"{zone} count",
        "unique_id": object_id(topics.prefix, camera, zone, "count"),
        "object_id": object_id(topics.prefix, camera, zone, "count"),
        "state_topic": topics.count(camera, zone),
        "unit_of_measurement": "people",
        "state_class": "measurement",
        "icon": "mdi:account-group",
        "availability_topic": topics.available,
        "payload_available": "online",
        "payload_not_available": "offline",
        "device": _device(topics, camera),
    }


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


class MqttPublisher:
    """Publishes event records, rule states and zone counts to one broker.

    ``start()`` connects in the background and keeps reconnecting (1 s apart, doubling up
    to ``reconnect_max_delay``);
    ``stop()`` says "offline" and disconnects. ``publish`` is called from one thread
    (the outbox worker); ``publish_counts`` may be called from another.
    """

    name = "mqtt"

    def __init__(self, cfg: MqttConfig, password: str | None = None) -> None:
        self.cfg = cfg
        self.where = f"mqtt://{cfg.host}:{cfg.port}"
        self.topics = Topics(cfg.topic_prefix, cfg.discovery_prefix)
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._started = False
        self._retained: dict[str, bytes] = {}  # discovery configs, states, counts: resent on reconnect
        self._active: dict[tuple[str, str], set[str]] = {}  # (camera, rule) -> active event ids
        self.on_ready: Callable[[], None] | None = None
        self._client = self._make_client(password)

    def _make_client(self, password: str | None) -> mqtt.Client:
        cfg = self.cfg
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=cfg.client_id, protocol=mqtt.MQTTv311, clean_session=True
        )
        client.will_set(self.topics.available, "offline", qos=QOS, retain=True)
        if cfg.username is not None:
            client.username_pw_set(cfg.username, password)
        if cfg.tls is not None:
            client.tls_set(
                ca_certs=None if cfg.tls.ca_file is None else str(cfg.tls.ca_file),
                certfile=None if cfg.tls.cert_file is None else str(cfg.tls.cert_file),
                keyfile=None if cfg.tls.key_file is None else str(cfg.tls.key_file),
                cert_reqs=ssl.CERT_REQUIRED,
            )
            client.tls_insecure_set(cfg.tls.insecure)
        client.reconnect_delay_set(min_delay=1, max_delay=max(1, round(cfg.reconnect_max_delay)))
        client.max_queued_messages_set(MAX_QUEUED)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        return client

    # -- lifecycle -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        log.info("mqtt: connecting to %s as %s", self.where, self.cfg.client_id)
        try:
            self._client.connect_async(self.cfg.host, self.cfg.port, keepalive=int(self.cfg.keepalive))
        except (OSError, ValueError) as e:
            raise PublishError(f"mqtt {self.where}: cannot connect: {e}") from e
        self._client.loop_start()

    def wait_connected(self, timeout: float) -> bool:
        """Block until connected (True) or ``timeout`` seconds passed (False)."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        if self.connected:
            info = self._client.publish(self.topics.available, "offline", qos=QOS, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2.0)
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()
        log.info("mqtt: disconnected from %s", self.where)

    def __enter__(self) -> MqttPublisher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, properties: Any
    ) -> None:
        if reason.is_failure:
            log.warning("mqtt: %s refused the connection: %s", self.where, reason)
            return
        log.info("mqtt: connected to %s", self.where)
        client.publish(self.topics.available, "online", qos=QOS, retain=True)
        with self._lock:
            retained = list(self._retained.items())
        for topic, payload in retained:
            client.publish(topic, payload, qos=QOS, retain=True)
        self._connected.set()
        if self.on_ready is not None:
            self.on_ready()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, properties: Any
    ) -> None:
        was = self._connected.is_set()
        self._connected.clear()
        if was and self._started:
            log.warning("mqtt: lost connection to %s (%s); reconnecting", self.where, reason)

    # -- publishing --------------------------------------------------------------------

    def publish(self, message: EventMessage) -> None:
        """Publish the record on the events topic and the rule's state (with its discovery config)."""
        what = f"mqtt {self.where}: {message.phase} of event {message.event_id}"
        rule = message.rule or message.kind
        outgoing: list[tuple[str, bytes, bool]] = []
        key = (message.camera, rule)
        with self._lock:
            active = set(self._active.get(key, set()))
            retained = dict(self._retained)
        if message.phase != "instant":
            if message.phase == "end":
                active.discard(message.event_id)
            else:
                active.add(message.event_id)
            config = self.topics.rule_discovery(message.camera, rule)
            if self.cfg.discovery and config not in retained:  # once; resent on reconnect
                outgoing.append((config, _json(rule_discovery(self.topics, message.camera, rule, message.kind)), True))
            state_topic, state = self.topics.state(message.camera, rule), b"ON" if active else b"OFF"
            if retained.get(state_topic) != state:
                outgoing.append((state_topic, state, True))
        outgoing.append((self.topics.events, _json(message.to_json()), False))
        self._send(outgoing, what)
        if message.phase != "instant":
            with self._lock:
                self._active[key] = active

    def publish_counts(self, camera: str, counts: Mapping[str, int]) -> None:
        """Publish each zone's people count (retained). Best effort: while disconnected the
        latest counts are kept and sent on reconnect; only changed values are sent."""
        outgoing: list[tuple[str, bytes, bool]] = []
        with self._lock:
            for zone, n in counts.items():
                topic, payload = self.topics.count(camera, zone), str(int(n)).encode()
                if self.cfg.discovery:
                    config = self.topics.count_discovery(camera, zone)
                    if config not in self._retained:
                        body = _json(count_discovery(self.topics, camera, zone))
                        self._retained[config] = body
                        outgoing.append((config, body, True))
                if self._retained.get(topic) != payload:
                    self._retained[topic] = payload
                    outgoing.append((topic, payload, True))
        if outgoing and self.connected:
            for topic, payload, retain in outgoing:
                self._client.publish(topic, payload, qos=QOS, retain=retain)

    def _send(self, outgoing: list[tuple[str, bytes, bool]], what: str) -> None:
        if not self.connected:
            raise PublishError(f"{what}: not connected to the broker")
        # One at a time: with several in flight, the broker's Nagle delay holds back the
        # later acknowledgements (tens of ms each on loopback).
        for topic, payload, retain in outgoing:
            info = self._client.publish(topic, payload, qos=QOS, retain=retain)
            if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                raise PublishError(f"{what}: {mqtt.error_string(info.rc)}")
            try:
                info.wait_for_publish(timeout=self.cfg.publish_timeout)
            except (RuntimeError, ValueError) as e:
                raise PublishError(f"{what}: {e}") from e
            if not info.is_published():
                raise PublishError(f"{what}: no acknowledgement within {self.cfg.publish_timeout} s")
        with self._lock:
            for topic, payload, retain in outgoing:
                if retain:
                    self._retained[topic] = payload
