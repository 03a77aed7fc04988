"""Initial schema: events, history, outbox, media, notes, zone counts.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("run", sa.String(64), nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("zone", sa.String(64), nullable=True),
        sa.Column("line", sa.String(64), nullable=True),
        sa.Column("phase", sa.String(16), nullable=False),
        _time("started_at"),
        _time("updated_at"),
        _time("ended_at", nullable=True),
        sa.Column("stream_started", sa.Double(), nullable=False),
        sa.Column("stream_t", sa.Double(), nullable=False),
        sa.Column("track_ids", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        _time("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_started_at_id", "events", ["started_at", "id"])
    op.create_index("ix_events_camera_started_at", "events", ["camera", "started_at"])
    op.create_index("ix_events_onset", "events", ["run", "camera", "kind", "stream_started"])
    op.create_index("ix_events_updated_at", "events", ["updated_at"])

    op.create_table(
        "event_updates",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        _time("at"),
        sa.Column("t", sa.Double(), nullable=False),
        sa.Column("track_ids", sa.JSON(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_event_updates_event_id_events", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_updates"),
        sa.UniqueConstraint("message_id", name="uq_event_updates_message_id"),
    )
    op.create_index("ix_event_updates_event_id", "event_updates", ["event_id"])

    op.create_table(
        "outbox",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("update_id", ROW_ID, nullable=False),
        sa.Column("destination", sa.String(128), nullable=False),
        _time("created_at"),
        _time("next_attempt_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("delivered_at", nullable=True),
        _time("failed_at", nullable=True),
        sa.Column("last_error", sa.String(1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["update_id"], ["event_updates.id"], name="fk_outbox_update_id_event_updates", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("update_id", "destination", name="uq_outbox_update_id_destination"),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "failed_at", "id"])

    op.create_table(
        "event_media",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("path", sa.String(1024), nullable=False),
        _time("started_at"),
        _time("ended_at", nullable=True),
        _time("created_at"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_event_media_event_id_events", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_media"),
        sa.UniqueConstraint("event_id", "kind", "path", name="uq_event_media_event_id_kind_path"),
    )

    op.create_table(
        "event_notes",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        _time("at"),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_event_notes_event_id_events", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_event_notes"),
    )
    op.create_index("ix_event_notes_event_id", "event_notes", ["event_id"])

    op.create_table(
        "zone_counts",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        _time("at"),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_zone_counts"),
    )
    op.create_index("ix_zone_counts_camera_zone_at", "zone_counts", ["camera", "zone", "at"])
    op.create_index("ix_zone_counts_at", "zone_counts", ["at"])


def downgrade() -> None:
    for table in ("zone_counts", "event_notes", "event_media", "outbox", "event_updates", "events"):
        op.drop_table(table)
