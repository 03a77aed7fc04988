"""The migrations build exactly the schema models.py describes, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from vigil.errors import ConfigError
from vigil.events import EventStore, StoreError, upgrade
from vigil.events.engine import make_engine, parse_url, safe_url
from vigil.events.migrate import current, head
from vigil.events.models import Base
from vigil.types import Event


def test_migrated_schema_matches_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        assert current(engine) is None
        upgrade(engine)
        upgrade(engine)  # idempotent
        assert current(engine) == head()
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            tables = set(inspect(conn).get_table_names())
        assert diffs == []
        assert set(Base.metadata.tables) <= tables
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'v.db'}")  # creates the folder
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        engine.dispose()


def test_database_from_a_newer_vigil_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(StoreError, match="newer Vigil"):
        upgrade(url)


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///x.db", "sqlite"),
        ("postgresql://u:secret@h/db", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg"),
    ],
)
def test_urls(url: str, driver: str) -> None:
    assert parse_url(url).drivername == driver


def test_bad_urls_name_the_field_without_the_password() -> None:
    with pytest.raises(ConfigError, match="unsupported database 'mysql'") as e:
        parse_url("mysql://root:hunter2@db/vigil")
    assert "hunter2" not in str(e.value)
    with pytest.raises(ConfigError, match="database_url"):
        parse_url("not a url")
    assert "secret" not in safe_url("postgresql://u:secret@h/db")


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A write transaction holds the lock; reads through the store's read engine go on meanwhile."""
    import time

    with EventStore(f"sqlite:///{tmp_path / 'v.db'}") as store:
        engine = make_engine(f"sqlite:///{tmp_path / 'v.db'}")
        try:
            with engine.begin():  # BEGIN IMMEDIATE: holds the write lock
                t0 = time.monotonic()
                assert store.query().items == []
                assert time.monotonic() - t0 < 1.0
        finally:
            engine.dispose()


def test_a_database_of_the_first_schema_upgrades_keeping_its_events(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0001")
        assert "heat_buckets" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    with EventStore(empty_db_url, migrate=False, run="r") as old:
        eid = old.record(Event("running", "start", 1.0, "cam1", (1,), 1.0, {"rule": "run"}), at=at)
    with EventStore(empty_db_url, run="r") as store:  # migrates to head on open
        assert store.get(eid).camera == "cam1"
        store.record_heat("cam1", at, 1, 1, [3])
        assert store.heat("cam1", at, at.replace(hour=13)).cells == [3]
    engine = make_engine(empty_db_url)
    try:
        assert current(engine) == head()
    finally:
        engine.dispose()
