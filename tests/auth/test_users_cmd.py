"""`vigil users ...`: passwords from stdin or a double prompt (never argv), errors as VigilError."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from auth_helpers import PASSWORD

from vigil.auth import AuthStore, Role, add_users_arguments, ensure_setup_token, run_users_command
from vigil.auth.errors import AuthInputError, LastAdminError, UserExistsError, UserNotFoundError
from vigil.auth.users_cmd import open_store
from vigil.errors import ConfigError, VigilError


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="vigil users")
    add_users_arguments(parser)
    return parser.parse_args(argv)


def prompts(*answers: str) -> Callable[[str], str]:
    queue = list(answers)

    def prompt(text: str) -> str:
        assert text.endswith(": ")
        return queue.pop(0)

    return prompt


def run(
    store: AuthStore, *argv: str, stdin: io.StringIO | None = None, prompt: Callable[[str], str] | None = None
) -> int:
    args = parse(*argv)
    return run_users_command(args, store=store, stdin=stdin or io.StringIO(""), prompt=prompt or prompts())


def test_add_admin_with_password_on_stdin(store: AuthStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert ensure_setup_token(store) is not None
    assert run(store, "add", "root", "--role", "admin", "--password-stdin", stdin=io.StringIO(PASSWORD + "\r\n")) == 0
    assert "created user root (admin)" in capsys.readouterr().out
    assert store.authenticate("root", PASSWORD) is not None
    assert ensure_setup_token(store) is None  # an admin exists: no setup link
    entry = store.list_audit(1)[0]
    assert (entry.actor, entry.action) == ("cli", "user.create")


def test_add_viewer_prompts_twice(store: AuthStore) -> None:
    run(store, "add", "vera", "--role", "viewer", "--cameras", "A, B", stdin=Tty(), prompt=prompts(PASSWORD, PASSWORD))
    user = store.get_user_by_name("vera")
    assert user is not None and user.role is Role.VIEWER and user.cameras == ("A", "B")


def test_mismatched_prompts_change_nothing(store: AuthStore) -> None:
    with pytest.raises(VigilError, match="differ"):
        run(store, "add", "vera", "--role", "viewer", "--cameras", "*", stdin=Tty(), prompt=prompts(PASSWORD, "other"))
    assert store.list_users() == []


def test_password_never_from_argv() -> None:
    with pytest.raises(SystemExit):
        parse("add", "root", "--role", "admin", "--password", PASSWORD)


@pytest.mark.parametrize(
    ("argv", "stdin", "error"),
    [
        (("add", "vera", "--role", "viewer"), io.StringIO(PASSWORD), ConfigError),  # no --cameras
        (("add", "vera", "--role", "viewer", "--cameras", "*"), io.StringIO(PASSWORD), VigilError),  # not a tty
        (("add", "vera", "--role", "viewer", "--cameras", "*", "--password-stdin"), io.StringIO(""), VigilError),
        (("add", "vera", "--role=viewer", "--cameras=*", "--password-stdin"), io.StringIO("short"), AuthInputError),
        (("add", "bad name", "--role", "admin", "--password-stdin"), io.StringIO(PASSWORD), AuthInputError),
        (("add", "v","--role", "viewer", "--cameras", "a*", "--password-stdin"), io.StringIO(PASSWORD), AuthInputError),
        (("passwd", "ghost", "--password-stdin"), io.StringIO(PASSWORD), UserNotFoundError),
    ],
)
def test_bad_input_is_a_vigil_error(
    store: AuthStore, argv: tuple[str, ...], stdin: io.StringIO, error: type[Exception]
) -> None:
    with pytest.raises(error):
        run(store, *argv, stdin=stdin)
    assert issubclass(error, VigilError)


def test_duplicate_user(store: AuthStore) -> None:
    run(store, "add", "root", "--role", "admin", "--password-stdin", stdin=io.StringIO(PASSWORD))
    with pytest.raises(UserExistsError):
        run(store, "add", "ROOT", "--role", "admin", "--password-stdin", stdin=io.StringIO(PASSWORD))


def test_list_passwd_disable_enable(store: AuthStore, capsys: pytest.CaptureFixture[str]) -> None:
    root = store.create_user("root", PASSWORD, Role.ADMIN, actor="test")
    vera = store.create_user("vera", PASSWORD, Role.VIEWER, ["A", "B"], actor="test")
    raw, _ = store.create_session(vera.id, 3600)
    run(store, "passwd", "VERA", "--password-stdin", stdin=io.StringIO("another long password\n"))
    assert store.authenticate("vera", "another long password") is not None
    assert store.resolve_session(raw, 600) is None  # a reset ends the sessions
    run(store, "disable", "vera")
    assert store.authenticate("vera", "another long password") is None
    with pytest.raises(LastAdminError):
        run(store, "disable", "root")
    run(store, "enable", "vera")
    capsys.readouterr()
    run(store, "list")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [str(root.id), "root", "admin", "*"]
    assert lines[1].split() == [str(vera.id), "vera", "viewer", "A,B"]


def test_open_store(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no database"):
        open_store(None)
    with pytest.raises(ConfigError, match="does not exist"):
        open_store(str(tmp_path / "missing" / "vigil.db"))
    with pytest.raises(ConfigError, match="cannot open"):
        open_store("nosuchdialect://x")
    path = tmp_path / "vigil.db"
    store = open_store(str(path))
    assert path.is_file() and store.list_users() == []
    assert open_store(f"sqlite:///{path}").list_users() == []


def test_runs_on_db_argument(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "vigil.db"
    args = parse("--db", str(db), "list")
    assert run_users_command(args) == 0
    assert capsys.readouterr().out == ""
