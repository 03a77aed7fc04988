"""Outputs: MQTT and webhooks behind one small ``Publisher`` interface, fed by the durable
outbox in the event store (``OutboxWorker``).

An event is queued for every configured destination in the same transaction that stores
it, and delivered at least once after any outage, with a stable event id (and message id)
for consumers to de-duplicate. Message format and signature: ``vigil.delivery.webhook``;
MQTT topics: ``vigil.delivery.mqtt``.
"""

from vigil.delivery.base import Publisher
from vigil.delivery.factory import Outputs, build_outputs
from vigil.delivery.mqtt import MqttPublisher, Topics
from vigil.delivery.outbox import DestinationHealth, OutboxHealth, OutboxWorker
from vigil.delivery.webhook import WebhookPublisher, sign, verify_signature
from vigil.errors import PublishError

__all__ = [
    "DestinationHealth",
    "MqttPublisher",
    "OutboxHealth",
    "OutboxWorker",
    "Outputs",
    "PublishError",
    "Publisher",
    "Topics",
    "WebhookPublisher",
    "build_outputs",
    "sign",
    "verify_signature",
]
