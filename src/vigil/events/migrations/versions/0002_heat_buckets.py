"""Heat buckets: per camera and hour, where people's feet were on a coarse grid.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "heat_buckets",
        sa.Column("id", ROW_ID, autoincrement=True, nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("grid_w", sa.Integer(), nullable=False),
        sa.Column("grid_h", sa.Integer(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_heat_buckets"),
        sa.UniqueConstraint("camera", "hour", "grid_w", "grid_h", name="uq_heat_buckets_camera_hour_grid"),
    )
    op.create_index("ix_heat_buckets_hour", "heat_buckets", ["hour"])


def downgrade() -> None:
    op.drop_table("heat_buckets")
