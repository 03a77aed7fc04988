"""Schema migrations (Alembic), run programmatically when the store opens.

The migration scripts ship inside the package (``vigil/events/migrations``). To add
one after changing ``models.py``, from the repository root::

    .venv/bin/python -m vigil.events.migrations "add foo"

which autogenerates a script against a scratch SQLite database at head; review it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from vigil.events.engine import make_engine, safe_url
from vigil.events.errors import StoreError

log = logging.getLogger(__name__)

SCRIPTS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK = 0x56494749  # "VIGI": serialises concurrent upgrades of one PostgreSQL database


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision this version of Vigil knows."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev


def current(engine: Engine) -> str | None:
    """The database's revision (None: not yet created)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Bring the database at ``target`` (URL or engine) to ``revision``; idempotent."""
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(_PG_LOCK)))
            before = MigrationContext.configure(conn).get_current_revision()
            command.upgrade(alembic_config(conn), revision)
            after = MigrationContext.configure(conn).get_current_revision()
    except CommandError as e:
        raise StoreError(
            f"database {safe_url(engine.url)}: cannot migrate to {revision}: {e} "
            "(is it from a newer Vigil?)"
        ) from e
    except SQLAlchemyError as e:
        raise StoreError(f"database {safe_url(engine.url)}: migration failed: {e}") from e
    finally:
        if isinstance(target, str):
            engine.dispose()
    if before != after:
        log.info("database %s migrated from %s to %s", safe_url(engine.url), before or "empty", after)

