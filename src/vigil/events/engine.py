"""Database engines: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL (psycopg 3).

URLs: ``sqlite:///path/to/vigil.db`` or ``postgresql://user@host:5432/vigil`` (plain
``postgresql://`` and ``postgres://`` select the psycopg 3 driver). Passwords never
appear in log lines or errors (``safe_url``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from vigil.errors import ConfigError

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for another one before 'database is locked'."""


def parse_url(url: str | URL) -> URL:
    """The SQLAlchemy URL for ``url``, with the psycopg 3 driver for PostgreSQL.

    Raises ConfigError for anything but SQLite and PostgreSQL.
    """
    try:
        u = make_url(url)
    except ArgumentError as e:
        raise ConfigError(f"database_url: not a database URL: {safe_text(str(url))}") from e
    backend = u.get_backend_name()
    if backend in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigError(
            f"database_url: unsupported database {backend!r} in {safe_url(u)}; use sqlite:/// or postgresql://"
        )
    return u


def safe_url(url: str | URL) -> str:
    """``url`` with its password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def safe_text(text: str) -> str:
    """A URL-ish string with a ``user:password@`` part masked."""
    head, sep, tail = text.partition("://")
    if sep and "@" in tail.split("/", 1)[0]:
        return f"{head}://***@{tail.split('@', 1)[1]}"
    return text


def insert_for(conn: Connection, table: Any) -> Any:
    """An INSERT that supports ``on_conflict_do_nothing`` on this connection's backend."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver level; transactions are begun explicitly (see _sqlite_begin),
    # so that pragmas run outside one and writers take the lock up front.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    try:
        cur.execute("PRAGMA busy_timeout = 10000")  # SQLITE_BUSY_TIMEOUT_MS
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers BEGIN IMMEDIATE: take the write lock up front. A deferred transaction that
    # reads, then writes, can fail with 'database is locked' at once (no busy wait) under
    # WAL. Readers (engine.execution_options(vigil_read=True)) BEGIN deferred and never wait.
    read_only = conn.get_execution_options().get("vigil_read", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(url: str | URL, echo: bool = False) -> Engine:
    """An engine for ``url``; for SQLite, creates the database's folder."""
    u = parse_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            folder = Path(u.database).expanduser().resolve().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise ConfigError(f"database folder {folder}: cannot create: {e.strerror or e}") from e
        engine = create_engine(u, echo=echo, json_serializer=_json)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(u, echo=echo, json_serializer=_json, pool_pre_ping=True)
