"""can(user, action, camera): roles, camera scopes, disabled users."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vigil.auth import Action, Role, User, allowed_cameras, can
from vigil.auth.models import Cameras, parse_cameras

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def user(role: Role, cameras: Cameras = ("A",), disabled: bool = False) -> User:
    return User(1, "u", role, cameras, NOW, disabled, "$argon2id$...")


V, OP, AD = Role.VIEWER, Role.OPERATOR, Role.ADMIN

CASES = [
    # role, cameras, action, camera, expected
    (V, ("A",), Action.VIEW, "A", True),
    (V, ("A",), Action.VIEW, "B", False),
    (V, ("A",), Action.VIEW, None, True),
    (V, ("A",), Action.ACKNOWLEDGE, "A", False),
    (V, "*", Action.VIEW, "B", True),
    (V, (), Action.VIEW, "A", False),
    (OP, ("A",), Action.ACKNOWLEDGE, "A", True),
    (OP, ("A",), Action.ACKNOWLEDGE, "B", False),
    (OP, "*", Action.CONFIGURE, None, False),
    (OP, "*", Action.MANAGE_USERS, None, False),
    (OP, "*", Action.MANAGE_TOKENS, None, False),
    (OP, "*", Action.VIEW_AUDIT, None, False),
    (AD, ("A",), Action.VIEW, "B", True),
    (AD, (), Action.ACKNOWLEDGE, "Z", True),
    (AD, (), Action.CONFIGURE, "Z", True),
    (AD, (), Action.MANAGE_USERS, None, True),
    (V, "*", Action.CONFIGURE, "A", False),
]


@pytest.mark.parametrize(("role", "cameras", "action", "camera", "expected"), CASES)
def test_can(role: Role, cameras: Cameras, action: Action, camera: str | None, expected: bool) -> None:
    assert can(user(role, cameras), action, camera) is expected


@pytest.mark.parametrize("action", list(Action))
def test_disabled_users_can_do_nothing(action: Action) -> None:
    assert not can(user(Role.ADMIN, "*", disabled=True), action, "A")


def test_allowed_cameras() -> None:
    assert allowed_cameras(user(V, ("A", "B"))) == frozenset({"A", "B"})
    assert allowed_cameras(user(V, "*")) is None
    assert allowed_cameras(user(AD, ("A",))) is None


def test_roles_are_ordered() -> None:
    assert Role.VIEWER.rank < Role.OPERATOR.rank < Role.ADMIN.rank


@pytest.mark.parametrize(
    ("text", "expected"),
    [("*", "*"), (" * ", "*"), ("a,b", ("a", "b")), ("a, b ,a", ("a", "b")), ("front door", ("front door",))],
)
def test_parse_cameras(text: str, expected: Cameras) -> None:
    assert parse_cameras(text) == expected
