"""The database schema (SQLAlchemy 2 typed ORM). Alembic migrations in ``migrations/`` create it;
a test checks that they agree.

    events          one row per event (latest state, acknowledgement)
    event_updates   its history: one row per start/update/end/instant record
    outbox          one row per (record, destination) until delivered
    event_media     snapshot and clip files of an event
    event_notes     operator notes
    zone_counts     people per camera zone over time
    heat_buckets    where people's feet were, per camera and hour, on a coarse grid

Times are UTC (``UTCDateTime``); deleting an event deletes its rows in every other table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAME = 64
"""Longest camera, rule, zone or line name."""


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, timezone-aware UTC datetimes out, on every backend.

    PostgreSQL stores ``timestamptz``; SQLite (no time zones) stores the UTC wall time,
    whose text form sorts chronologically.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware time (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY.
RowId = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[int]: JSON}


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    run: Mapped[str] = mapped_column(String(64))
    camera: Mapped[str] = mapped_column(String(NAME))
    kind: Mapped[str] = mapped_column(String(NAME))
    rule: Mapped[str] = mapped_column(String(NAME))
    zone: Mapped[str | None] = mapped_column(String(NAME))
    line: Mapped[str | None] = mapped_column(String(NAME))
    phase: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    stream_started: Mapped[float] = mapped_column(Double())
    stream_t: Mapped[float] = mapped_column(Double())
    track_ids: Mapped[list[int]]
    attributes: Mapped[dict[str, Any]]
    confidence: Mapped[float] = mapped_column(Double())
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        Index("ix_events_started_at_id", "started_at", "id"),
        Index("ix_events_camera_started_at", "camera", "started_at"),
        Index("ix_events_onset", "run", "camera", "kind", "stream_started"),
        Index("ix_events_updated_at", "updated_at"),
    )


class EventUpdateRow(Base):
    __tablename__ = "event_updates"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("events.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(36))
    phase: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    t: Mapped[float] = mapped_column(Double())
    track_ids: Mapped[list[int]]
    attributes: Mapped[dict[str, Any]]
    confidence: Mapped[float] = mapped_column(Double())

    __table_args__ = (UniqueConstraint("message_id", name="uq_event_updates_message_id"),
                      Index("ix_event_updates_event_id", "event_id"))


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(RowId, ForeignKey("event_updates.id", ondelete="CASCADE"))
    destination: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer())
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (
        UniqueConstraint("update_id", "destination", name="uq_outbox_update_id_destination"),
        Index("ix_outbox_pending", "delivered_at", "failed_at", "id"),
    )


class MediaRow(Base):
    __tablename__ = "event_media"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(1024))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("event_id", "kind", "path", name="uq_event_media_event_id_kind_path"),
    )


class NoteRow(Base):
    __tablename__ = "event_notes"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), ForeignKey("events.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text())

    __table_args__ = (Index("ix_event_notes_event_id", "event_id"),)


class ZoneCountRow(Base):
    __tablename__ = "zone_counts"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    camera: Mapped[str] = mapped_column(String(NAME))
    zone: Mapped[str] = mapped_column(String(NAME))
    at: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer())

    __table_args__ = (
        Index("ix_zone_counts_camera_zone_at", "camera", "zone", "at"),
        Index("ix_zone_counts_at", "at"),
    )


class HeatRow(Base):
    """One camera's foot-point grid for one UTC hour: ``cells`` (row-major, ``grid_h`` rows of
    ``grid_w``) counts the people seen in each cell; ``total`` is their sum."""

    __tablename__ = "heat_buckets"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    camera: Mapped[str] = mapped_column(String(NAME))
    hour: Mapped[datetime]
    grid_w: Mapped[int] = mapped_column(Integer())
    grid_h: Mapped[int] = mapped_column(Integer())
    cells: Mapped[list[int]]
    total: Mapped[int] = mapped_column(BigInteger())

    __table_args__ = (
        UniqueConstraint("camera", "hour", "grid_w", "grid_h", name="uq_heat_buckets_camera_hour_grid"),
        Index("ix_heat_buckets_hour", "hour"),
    )
