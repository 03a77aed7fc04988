"""The output interface: a ``Publisher`` delivers one event message or raises ``PublishError``.

Publishers are used by the outbox worker only (one thread), so they need not be
thread-safe in ``publish``; ``start``/``stop`` bracket their connections.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from vigil.events.records import EventMessage


class Publisher(Protocol):
    """One destination: ``name`` is its outbox destination (e.g. "mqtt", "webhook:alerts")."""

    name: str
    on_ready: Callable[[], None] | None
    """Set by the outbox worker; a publisher that knows when its destination is reachable
    again (a broker connection) calls it then, so delivery resumes without waiting out backoff."""

    def start(self) -> None:
        """Open connections (non-blocking: an unreachable destination is retried, not an error)."""
        ...

    def publish(self, message: EventMessage) -> None:
        """Deliver ``message`` and return once the destination has acknowledged it; raise PublishError if not."""
        ...

    def stop(self) -> None:
        """Close connections; idempotent."""
        ...
