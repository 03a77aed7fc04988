"""Alembic environment: runs on the connection that ``vigil.events.migrate`` passes in."""

from __future__ import annotations

from alembic import context

from vigil.events.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through vigil.events.migrate.upgrade(url)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
