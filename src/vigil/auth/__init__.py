"""Authentication and authorisation for `vigil serve`.

    store = AuthStore(engine)                 # users, sessions, tokens, audit (tables: auth_metadata)
    token = ensure_setup_token(store)         # first start: print the setup link, no default password
    install_auth(app, store, AuthSettings())  # mounts auth_router: /api/auth, /api/users, /api/tokens, /api/audit

    @router.get("/api/cameras/{camera_id}/events")
    def events(camera_id: str, who: Principal = Depends(require_camera())): ...

Roles (viewer < operator < admin) and actions are in `permissions`; every check is `can(user, action, camera)`.
Test machinery for the whole app is in `vigil.auth.testing`.
"""

from vigil.auth.db import auth_metadata
from vigil.auth.deps import (
    Auth,
    CurrentUser,
    Principal,
    ensure_camera,
    get_auth,
    require_action,
    require_camera,
    require_role,
    require_user,
)
from vigil.auth.first_run import ensure_setup_token
from vigil.auth.models import ALL_CAMERAS, ApiToken, AuditEntry, Role, Session, User
from vigil.auth.permissions import Action, allowed_cameras, can
from vigil.auth.ratelimit import LoginRateLimiter
from vigil.auth.router import PUBLIC_ROUTES, auth_router, install_auth
from vigil.auth.settings import AuthSettings
from vigil.auth.store import AuthStore
from vigil.auth.users_cmd import add_users_arguments, run_users_command

__all__ = [
    "ALL_CAMERAS",
    "PUBLIC_ROUTES",
    "Action",
    "ApiToken",
    "AuditEntry",
    "Auth",
    "AuthSettings",
    "AuthStore",
    "CurrentUser",
    "LoginRateLimiter",
    "Principal",
    "Role",
    "Session",
    "User",
    "add_users_arguments",
    "allowed_cameras",
    "auth_metadata",
    "auth_router",
    "can",
    "ensure_camera",
    "ensure_setup_token",
    "get_auth",
    "install_auth",
    "require_action",
    "require_camera",
    "require_role",
    "require_user",
    "run_users_command",
]
