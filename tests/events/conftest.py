"""Fixtures: a store on each backend (the PostgreSQL cluster is the session's ``postgres`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import PostgresCluster

from vigil.events import EventStore, Route


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend (PostgreSQL: already migrated; SQLite: empty)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vigil.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vigil.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.new_database(migrated=False)


@pytest.fixture
def store(db_url: str) -> Iterator[EventStore]:
    with EventStore(db_url, routes=[Route("mqtt"), Route("hook", kinds=frozenset({"running"}))], run="run1") as s:
        yield s
