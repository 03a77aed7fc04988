"""Event store: events with their history, snapshots/clips, acknowledgement and notes,
zone counts over time, hourly heat grids, statistics, and the durable outbox that outputs deliver from.

SQLite (WAL) in the data directory by default, PostgreSQL when configured; the schema
is migrated with Alembic when the store opens.
"""

from vigil.events.errors import EventNotFoundError, StoreError
from vigil.events.ids import event_id, message_id
from vigil.events.migrate import upgrade
from vigil.events.records import (
    CountBucket,
    CountSample,
    DayCount,
    EventMessage,
    EventPage,
    EventUpdate,
    HeatGrid,
    LineHourCount,
    MediaRef,
    Note,
    OutboxItem,
    OutboxStats,
    RetentionResult,
    Route,
    StoredEvent,
)
from vigil.events.store import EventStore

__all__ = [
    "CountBucket",
    "CountSample",
    "DayCount",
    "EventMessage",
    "EventNotFoundError",
    "EventPage",
    "EventStore",
    "EventUpdate",
    "HeatGrid",
    "LineHourCount",
    "MediaRef",
    "Note",
    "OutboxItem",
    "OutboxStats",
    "RetentionResult",
    "Route",
    "StoreError",
    "StoredEvent",
    "event_id",
    "message_id",
    "upgrade",
]
