"""`vigil users` is reachable from the main CLI: no default password, the first admin is made here."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from vigil.cli import main


def test_add_and_list_users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "vigil.db"
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    assert main(["users", "--db", str(db), "add", "ops", "--role", "admin", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["users", "--db", str(db), "list"]) == 0
    out = capsys.readouterr().out
    assert "ops" in out and "admin" in out
    assert "correct horse" not in db.read_bytes().decode("latin-1")  # only an argon2 hash is stored


def test_short_password_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code = main(["users", "--db", str(tmp_path / "v.db"), "add", "bob", "--role", "viewer", "--cameras", "a",
                 "--password-stdin"])
    assert code == 2
    assert "password" in capsys.readouterr().err
