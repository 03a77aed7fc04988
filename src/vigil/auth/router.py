"""`auth_router` (every auth route) and `install_auth`, which mounts it on an app."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from vigil.auth.deps import Auth
from vigil.auth.ratelimit import LoginRateLimiter
from vigil.auth.routes_admin import audit_router, users_router
from vigil.auth.routes_session import router as session_router
from vigil.auth.routes_tokens import router as tokens_router
from vigil.auth.settings import AuthSettings
from vigil.auth.store import AuthStore

auth_router = APIRouter()
auth_router.include_router(session_router)
auth_router.include_router(users_router)
auth_router.include_router(tokens_router)
auth_router.include_router(audit_router)

PUBLIC_ROUTES: dict[tuple[str, str], str] = {
    ("POST", "/api/auth/login"): "how a browser obtains credentials; rate limited per username and per IP",
    ("POST", "/api/auth/setup"): "creates the first admin; needs the one-time setup token and closes (409) "
    "once an admin exists",
}
"""The only auth routes that answer without credentials, each with the reason."""


def install_auth(
    app: FastAPI,
    store: AuthStore,
    settings: AuthSettings | None = None,
    *,
    limiter: LoginRateLimiter | None = None,
) -> Auth:
    """Keep the auth state on ``app.state.vigil_auth`` and mount `auth_router`."""
    auth = Auth.create(store, settings, limiter)
    app.state.vigil_auth = auth
    app.include_router(auth_router)
    return auth
