"""Typed records of the auth package, and the checks every stored value passes.

Times are timezone-aware UTC datetimes. Secrets (passwords, session ids, API tokens,
setup tokens) are never held here in clear: only their argon2 or sha256 hashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from vigil.auth.errors import AuthInputError

ALL_CAMERAS: Literal["*"] = "*"
"""The camera scope that grants every camera, present and future."""

Cameras = Literal["*"] | tuple[str, ...]
"""A user's camera scope: ``"*"`` or the ids of the cameras they may see."""

USERNAME_MAX = 64
CAMERA_ID_MAX = 64
PASSWORD_MAX = 1024
"""Longer passwords are refused: hashing megabytes is a cheap way to burn server CPU."""

_USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_CAMERA_RE = re.compile(r"[^\s,*](?:[^,*]*[^\s,*])?")


class Role(StrEnum):
    """Roles in increasing power: each can do everything the ones before it can."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class User:
    """A person or machine account. Admins see every camera whatever `cameras` says."""

    id: int
    username: str
    role: Role
    cameras: Cameras
    created_at: datetime
    disabled: bool
    password_hash: str = field(repr=False)

    def sees_camera(self, camera_id: str) -> bool:
        """Whether the camera is in this user's scope (ignores role and `disabled`)."""
        return self.role is Role.ADMIN or self.cameras == ALL_CAMERAS or camera_id in self.cameras


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A revocable bearer token; only its sha256 is stored. `prefix` identifies it in lists."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None
    token_hash: str = field(repr=False)

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True)
class Session:
    """A browser session; the cookie holds the id, the table its sha256 (`id_hash`)."""

    id_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    last_seen: datetime
    csrf_token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SetupToken:
    """A one-time token that lets the first admin be created; stored as sha256."""

    id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    token_hash: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One administrative action: who (`actor`) did what (`action`) to what (`target`)."""

    id: int
    time: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]


def check_username(value: str) -> str:
    """Return the username if valid: 1-64 ASCII letters, digits and . _ @ -, starting alphanumeric."""
    if not isinstance(value, str) or not value:
        raise AuthInputError("username", "must not be empty")
    if len(value) > USERNAME_MAX:
        raise AuthInputError("username", f"at most {USERNAME_MAX} characters, got {len(value)}")
    if not _USERNAME_RE.fullmatch(value):
        raise AuthInputError(
            "username", f"{value!r}: use letters, digits and . _ @ - only, starting with a letter or digit"
        )
    return value


def username_key(username: str) -> str:
    """The case-insensitive form that must be unique."""
    return username.casefold()


def check_password(value: str, min_length: int, field_name: str = "password") -> str:
    """Return the password if its length is within [min_length, PASSWORD_MAX]."""
    if not isinstance(value, str):
        raise AuthInputError(field_name, "must be a string")
    if len(value) < min_length:
        raise AuthInputError(field_name, f"at least {min_length} characters, got {len(value)}")
    if len(value) > PASSWORD_MAX:
        raise AuthInputError(field_name, f"at most {PASSWORD_MAX} characters, got {len(value)}")
    return value


def check_camera_id(value: str) -> str:
    """A camera id: 1-64 characters, no comma or '*', no surrounding whitespace."""
    if not isinstance(value, str) or not value:
        raise AuthInputError("cameras", "a camera id must not be empty")
    if len(value) > CAMERA_ID_MAX:
        raise AuthInputError("cameras", f"camera id {value[:16]!r}... is longer than {CAMERA_ID_MAX} characters")
    if not _CAMERA_RE.fullmatch(value):
        raise AuthInputError("cameras", f"camera id {value!r} must not contain ',' or '*' or surrounding spaces")
    return value


def check_cameras(value: str | Iterable[str]) -> Cameras:
    """Normalise a camera scope: ``"*"``, or ids (deduplicated, order kept)."""
    if value == ALL_CAMERAS:
        return ALL_CAMERAS
    if isinstance(value, str):
        raise AuthInputError("cameras", f"expected '*' or a list of camera ids, got the string {value!r}")
    ids = [check_camera_id(v) for v in value]
    return tuple(dict.fromkeys(ids))


def parse_cameras(text: str) -> Cameras:
    """Parse the CLI form: ``*`` or comma-separated ids (``a,b``)."""
    text = text.strip()
    if text == ALL_CAMERAS:
        return ALL_CAMERAS
    return check_cameras([part.strip() for part in text.split(",") if part.strip()])
