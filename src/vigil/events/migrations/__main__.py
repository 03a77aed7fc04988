"""Developer tool: autogenerate a migration for what models.py has and head does not.

    .venv/bin/python -m vigil.events.migrations "add foo"

Migrates a scratch SQLite database to head and compares; review the script it writes
into versions/ (and check it on PostgreSQL: tests/events/test_migrations.py).
"""

from __future__ import annotations

import sys
import tempfile

from alembic import command

from vigil.events.engine import make_engine
from vigil.events.migrate import alembic_config, upgrade


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/scratch.db")
        upgrade(engine)
        with engine.begin() as conn:
            command.revision(alembic_config(conn), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit('usage: python -m vigil.events.migrations "what changed"')
    main(sys.argv[1])
