"""FastAPI dependencies: who is calling (`require_user`) and may they (`require_role`, `require_camera`).

Credentials, in this order:
  1. ``Authorization: Bearer vgl_...``: an API token. When this header is present the cookie
     is ignored, and requests are exempt from CSRF checks (browsers never add it by themselves).
  2. The session cookie (HttpOnly, SameSite=Strict). Unsafe methods (anything but GET, HEAD,
     OPTIONS, TRACE) must send the session's CSRF token in ``X-CSRF-Token``; WebSocket
     handshakes must come from the same origin as the Host they address.
Missing or invalid credentials: 401. Valid credentials without the permission: 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection

from vigil.auth.credentials import same_secret
from vigil.auth.models import ApiToken, Role, Session, User
from vigil.auth.permissions import Action, can
from vigil.auth.ratelimit import LoginRateLimiter
from vigil.auth.settings import AuthSettings
from vigil.auth.store import AuthStore

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Auth:
    """What the auth routes and dependencies need, kept on ``app.state.vigil_auth``."""

    store: AuthStore
    settings: AuthSettings
    limiter: LoginRateLimiter

    @classmethod
    def create(
        cls, store: AuthStore, settings: AuthSettings | None = None, limiter: LoginRateLimiter | None = None
    ) -> Auth:
        settings = settings or AuthSettings()
        if limiter is None:
            limiter = LoginRateLimiter(
                max_failures_per_username=settings.login_max_failures_per_username,
                max_failures_per_ip=settings.login_max_failures_per_ip,
                window_s=settings.login_window_s,
            )
        return cls(store, settings, limiter)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a user, by session cookie or by API token."""

    user: User
    method: Literal["session", "token"]
    session: Session | None = None
    token: ApiToken | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        if self.token is not None:
            return f"{self.user.username} (token {self.token.prefix})"
        return self.user.username


def get_auth(conn: HTTPConnection) -> Auth:
    auth = getattr(conn.app.state, "vigil_auth", None)
    if not isinstance(auth, Auth):
        raise RuntimeError("vigil auth is not installed on this app: call vigil.auth.install_auth(app, store)")
    return auth


def _unauthorized(detail: str, clear_cookie: str | None = None) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"}
    if clear_cookie is not None:
        headers["Set-Cookie"] = f'{clear_cookie}=""; Max-Age=0; Path=/; HttpOnly; SameSite=strict'
    return HTTPException(401, detail=detail, headers=headers)


def require_user(conn: HTTPConnection, auth: Annotated[Auth, Depends(get_auth)]) -> Principal:
    """The caller, or 401. Checks CSRF for cookie sessions (403 when missing or wrong)."""
    header = conn.headers.get("authorization")
    if header is not None:
        scheme, _, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise _unauthorized("Authorization header must be 'Bearer <token>'")
        found = auth.store.resolve_token(credential)
        if found is None:
            raise _unauthorized("API token is invalid, revoked or expired")
        token, user = found
        return Principal(user, "token", token=token)

    cookie_name = auth.settings.cookie_name
    raw = conn.cookies.get(cookie_name)
    if not raw:
        raise _unauthorized("authentication required: log in or send an API token")
    resolved = auth.store.resolve_session(raw, auth.settings.session_idle_timeout_s)
    if resolved is None:
        raise _unauthorized("session expired or ended: log in again", clear_cookie=cookie_name)
    session, user = resolved
    if conn.scope["type"] == "websocket":
        _check_same_origin(conn)
    elif conn.scope["method"] not in SAFE_METHODS:
        sent = conn.headers.get(CSRF_HEADER)
        if not sent or not same_secret(sent, session.csrf_token):
            raise HTTPException(403, detail=f"CSRF check failed: send the session's token in {CSRF_HEADER}")
    return Principal(user, "session", session=session)


def _check_same_origin(conn: HTTPConnection) -> None:
    origin = conn.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc.lower() != conn.headers.get("host", "").lower():
        raise HTTPException(403, detail=f"WebSocket origin {origin!r} does not match the host")


CurrentUser = Annotated[Principal, Depends(require_user)]
"""Endpoint parameter type for "any authenticated caller"."""


def require_role(role: Role) -> Callable[[Principal], Principal]:
    """Dependency: the caller has at least `role` (viewer < operator < admin), else 403."""

    def dependency(principal: CurrentUser) -> Principal:
        if principal.user.role.rank < role.rank:
            raise HTTPException(403, detail=f"requires the {role.value} role")
        return principal

    dependency.__name__ = f"require_role_{role.value}"
    return dependency


def require_camera(action: Action = Action.VIEW, param: str = "camera_id") -> Callable[..., Principal]:
    """Dependency: the caller may do `action` on the camera named by the path or query parameter
    `param` (every value, when the query repeats it), else 403. Use it on every route that
    names a camera; routes that find the camera from an object (an event id) call
    `ensure_camera` once they know it.
    """

    def dependency(conn: HTTPConnection, principal: CurrentUser) -> Principal:
        in_path = param in conn.path_params
        cameras = [str(conn.path_params[param])] if in_path else conn.query_params.getlist(param)
        if not cameras:
            raise RequestValidationError(
                [{"type": "missing", "loc": ("query", param), "msg": "Field required", "input": None}]
            )
        for camera_id in cameras:
            ensure_camera(principal, camera_id, action)
        return principal

    dependency.__name__ = f"require_camera_{action.value}"
    dependency.__vigil_camera__ = (param, action)  # type: ignore[attr-defined]  # read by vigil.auth.testing
    return dependency


def ensure_camera(principal: Principal, camera_id: str, action: Action = Action.VIEW) -> None:
    """Raise 403 unless the caller may do `action` on `camera_id`."""
    if not can(principal.user, action, camera_id):
        raise HTTPException(403, detail=f"not allowed to {action.value} camera {camera_id!r}")


def require_action(action: Action) -> Callable[[Principal], Principal]:
    """Dependency for actions that are not camera-scoped (configure, manage users, ...)."""

    def dependency(principal: CurrentUser) -> Principal:
        if not can(principal.user, action):
            raise HTTPException(403, detail=f"not allowed to {action.value}")
        return principal

    dependency.__name__ = f"require_action_{action.value}"
    return dependency
