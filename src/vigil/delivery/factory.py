"""Build the outputs that ``OutputsConfig`` describes: store routes plus publishers.

    outputs = build_outputs(cfg.outputs)
    store = EventStore(cfg.storage.url(), routes=outputs.routes)
    with OutboxWorker(store, outputs.publishers, retry=cfg.outputs.retry):
        ...  # store.record(event); outputs.mqtt.publish_counts(camera, counts)

Secrets are read from the environment here, so a missing one fails at startup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.config.outputs import OutputsConfig
from vigil.delivery.base import Publisher
from vigil.delivery.mqtt import MqttPublisher
from vigil.delivery.webhook import WebhookPublisher
from vigil.events.records import Route


@dataclass(slots=True)
class Outputs:
    routes: list[Route] = field(default_factory=list)
    publishers: list[Publisher] = field(default_factory=list)
    mqtt: MqttPublisher | None = None


def build_outputs(cfg: OutputsConfig) -> Outputs:
    """Routes and publishers for every configured output (none configured: none built)."""
    out = Outputs()
    if cfg.mqtt is not None:
        out.mqtt = MqttPublisher(cfg.mqtt, cfg.mqtt.password())
        out.publishers.append(out.mqtt)
        out.routes.append(Route(out.mqtt.name))
    for hook in cfg.webhooks:
        pub = WebhookPublisher(hook.name, hook.url, hook.secret(), timeout=hook.timeout)
        out.publishers.append(pub)
        out.routes.append(
            Route(pub.name, kinds=frozenset(hook.kinds) or None, cameras=frozenset(hook.cameras) or None)
        )
    return out
