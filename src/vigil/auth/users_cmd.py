"""CLI glue for `vigil users`: add, list, passwd, disable, enable.

Passwords are read with a double getpass prompt, or from the first line of stdin with
--password-stdin; never from the command line, where other users could read them (ps,
shell history).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy import create_engine

from vigil.auth.errors import UserNotFoundError
from vigil.auth.models import ALL_CAMERAS, Role, User, parse_cameras
from vigil.auth.store import AuthStore
from vigil.errors import ConfigError, VigilError

log = logging.getLogger(__name__)

CLI_ACTOR = "cli"


def _where(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--db", metavar="URL", default=default, help="database: SQLAlchemy URL or SQLite file path")
    parser.add_argument("--config", type=Path, default=default, help="serve config whose storage holds the users")


def add_users_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the `vigil users` sub-parser (--db/--config go before or after the action)."""
    _where(parser, None)
    sub = parser.add_subparsers(dest="users_command", metavar="ACTION")
    sub.required = True

    add = sub.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", choices=[r.value for r in Role], required=True, help="viewer, operator or admin")
    add.add_argument(
        "--cameras",
        default=None,
        help="camera ids the user may see, comma-separated, or '*' for all (required unless --role admin)",
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")

    sub.add_parser("list", help="list users")

    passwd = sub.add_parser("passwd", help="set a user's password (ends their browser sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")

    for name, text in (("disable", "stop a user from logging in or using tokens"), ("enable", "undo disable")):
        p = sub.add_parser(name, help=text)
        p.add_argument("username")

    for action in sub.choices.values():
        _where(action, argparse.SUPPRESS)  # given after the action, without undoing one given before it


def _database(args: argparse.Namespace) -> str | None:
    """--db, or the database of the serve config named by --config (its data directory made if missing)."""
    config = getattr(args, "config", None)
    if config is None:
        return args.db  # type: ignore[no-any-return]
    if args.db is not None:
        raise ConfigError("give either --db or --config, not both")
    from vigil.config import load_yaml
    from vigil.config.service import ServiceConfig

    storage = load_yaml(config, ServiceConfig).storage
    if storage.database_url is None:
        storage.data_dir.expanduser().mkdir(parents=True, exist_ok=True)
    return storage.url()


def open_store(db: str | None) -> AuthStore:
    """An AuthStore on a SQLAlchemy URL or a SQLite file path."""
    if not db:
        raise ConfigError(
            "no database given: pass --config with the serve config, or --db with a SQLAlchemy URL or SQLite file path"
        )
    if "://" in db:
        url = db
    else:
        path = Path(db).expanduser().resolve()
        if not path.parent.is_dir():
            raise ConfigError(f"--db {db}: folder {path.parent} does not exist")
        url = f"sqlite:///{path}"
    try:
        return AuthStore(create_engine(url))
    except VigilError:
        raise
    except Exception as e:  # SQLAlchemy raises many kinds for a bad URL or unreachable server
        raise ConfigError(f"--db {db}: cannot open the database: {e}") from e


def _read_password(from_stdin: bool, stdin: TextIO, prompt: Callable[[str], str]) -> str:
    if from_stdin:
        line = stdin.readline()
        if not line:
            raise VigilError("--password-stdin: stdin is empty; pipe the password in")
        return line.rstrip("\r\n")
    if not stdin.isatty():
        raise VigilError("stdin is not a terminal: pipe the password in with --password-stdin")
    first = prompt("Password: ")
    if prompt("Repeat password: ") != first:
        raise VigilError("the two passwords differ; nothing was changed")
    return first


def _describe(user: User) -> str:
    cams = ALL_CAMERAS if isinstance(user.cameras, str) else ",".join(user.cameras) or "(none)"
    state = " disabled" if user.disabled else ""
    return f"{user.id:>4} {user.username:<24} {user.role.value:<8} {cams}{state}"


def _find(store: AuthStore, username: str) -> User:
    user = store.get_user_by_name(username)
    if user is None:
        raise UserNotFoundError(f"no user named {username!r}")
    return user


def run_users_command(
    args: argparse.Namespace,
    *,
    store: AuthStore | None = None,
    stdin: TextIO | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
) -> int:
    """Run `vigil users ACTION`; `store` overrides --db/--config (tests)."""
    store = store or open_store(_database(args))
    stdin = stdin or sys.stdin
    action = args.users_command
    if action == "add":
        role = Role(args.role)
        if args.cameras is None and role is not Role.ADMIN:
            raise ConfigError(f"--cameras is required for role {role.value}: camera ids a,b or '*' for all")
        cameras = parse_cameras(args.cameras) if args.cameras is not None else ALL_CAMERAS
        password = _read_password(args.password_stdin, stdin, prompt)
        user = store.create_user(args.username, password, role, cameras, actor=CLI_ACTOR)
        print(f"created user {user.username} ({user.role.value})")
    elif action == "list":
        for user in store.list_users():
            print(_describe(user))
    elif action == "passwd":
        user = _find(store, args.username)
        password = _read_password(args.password_stdin, stdin, prompt)
        store.update_user(user.id, actor=CLI_ACTOR, password=password)
        print(f"password of {user.username} changed; their browser sessions ended")
    elif action in ("disable", "enable"):
        user = _find(store, args.username)
        store.update_user(user.id, actor=CLI_ACTOR, disabled=action == "disable")
        print(f"user {user.username} {action}d")
    else:
        raise AssertionError(f"unhandled users action {action}")
    return 0
