"""A throwaway PostgreSQL cluster for tests (``postgres`` fixture in tests/conftest.py).

The cluster is made with the Debian ``postgresql`` package's ``initdb`` and ``pg_ctl``
(never a system-wide service), on a free loopback port with its socket in a temp dir.
As root, it runs as the ``postgres`` user. Tests skip only when the binaries are absent.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from vigil.events import upgrade


def pg_bindir() -> Path | None:
    env = os.environ.get("VIGIL_PG_BINDIR")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """``initdb`` + ``pg_ctl start`` in a temp dir; ``new_database()`` gives each test its own."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="vigil-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "vigil"
        self._as: list[str] = []
        self._template: str | None = None
        if os.geteuid() == 0:  # postgres refuses to run as root
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                pytest.fail("running as root but there is no 'postgres' user to run PostgreSQL as")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        proc = subprocess.run([*self._as, *args], check=False, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            log = (self.root / "server.log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip()} {tail}")

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust",
                  "-E", "UTF8", "--no-sync", "--no-instructions")
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts,
                  "-l", str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, migrated: bool = True) -> str:
        """A fresh database: empty, or a copy of one migrated to head (faster than migrating each)."""
        import psycopg
        from psycopg import sql

        if migrated and self._template is None:
            self._template = self.new_database(migrated=False)
            upgrade(self._template)
        name = f"t_{uuid.uuid4().hex[:12]}"
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if migrated:
            assert self._template is not None
            template = self._template.rsplit("/", 1)[1]
            create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(create)
        return self.url(name)
