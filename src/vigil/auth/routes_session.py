"""/api/auth: first-admin setup, login, logout, who am I, change my password."""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Request, Response

from vigil.auth._http import (
    AuthDep,
    clear_session_cookie,
    client_ip,
    set_session_cookie,
    to_http,
)
from vigil.auth.credentials import hash_secret
from vigil.auth.deps import Auth, CurrentUser
from vigil.auth.errors import AuthError
from vigil.auth.models import check_password
from vigil.auth.schemas import (
    LoginOut,
    LoginRequest,
    MeOut,
    PasswordChangeRequest,
    SetupRequest,
    UserOut,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/auth", tags=["auth"])

LOGIN_FAILED = "invalid username or password"
"""The one message for every failed login: unknown user, wrong password or disabled account."""


def _check_rate(auth: Auth, username: str, ip: str) -> None:
    wait = auth.limiter.retry_after(username, ip)
    if wait > 0:
        raise HTTPException(
            429, detail=f"too many failed attempts; try again in {wait} s", headers={"Retry-After": str(wait)}
        )


@router.post("/setup", status_code=201)
def setup(body: SetupRequest, auth: AuthDep) -> UserOut:
    """Create the first admin with the one-time token printed at first start (403 wrong token, 409 done)."""
    try:
        user = auth.store.complete_setup(body.token, body.username, body.password)
    except AuthError as e:
        raise to_http(e) from e
    return UserOut.of(user)


@router.post("/login")
def login(body: LoginRequest, request: Request, response: Response, auth: AuthDep) -> LoginOut:
    """Start a browser session: sets the session cookie, returns the CSRF token (401, 429)."""
    ip = client_ip(request, auth.settings.trusted_proxies)
    _check_rate(auth, body.username, ip)
    user = auth.store.authenticate(body.username, body.password)
    if user is None:
        auth.limiter.record_failure(body.username, ip)
        log.warning("failed login for username %r from %s", body.username[:64], ip)
        raise HTTPException(401, detail=LOGIN_FAILED)
    auth.limiter.record_success(body.username)
    previous = request.cookies.get(auth.settings.cookie_name)
    if previous:
        auth.store.delete_session(hash_secret(previous))
    auth.store.purge_expired()
    raw, session = auth.store.create_session(user.id, auth.settings.session_lifetime_s)
    set_session_cookie(response, auth, request, raw)
    log.info("user %s logged in from %s", user.username, ip)
    return LoginOut(user=UserOut.of(user), csrf_token=session.csrf_token, expires_at=session.expires_at)


@router.post("/logout", status_code=204)
def logout(principal: CurrentUser, request: Request, auth: AuthDep) -> Response:
    """End this browser session (for API tokens: nothing to end; revoke them instead)."""
    if principal.session is not None:
        auth.store.delete_session(principal.session.id_hash)
    response = Response(status_code=204)
    clear_session_cookie(response, auth, request)
    return response


@router.get("/me")
def me(principal: CurrentUser) -> MeOut:
    csrf = principal.session.csrf_token if principal.session is not None else None
    return MeOut(user=UserOut.of(principal.user), method=principal.method, csrf_token=csrf)


@router.post("/password", status_code=204)
def change_password(body: PasswordChangeRequest, principal: CurrentUser, request: Request, auth: AuthDep) -> None:
    """Change my password; my other sessions end (403 when current_password is wrong, 429)."""
    user = principal.user
    ip = client_ip(request, auth.settings.trusted_proxies)
    _check_rate(auth, user.username, ip)
    if not auth.store.passwords.verify(user.password_hash, body.current_password):
        auth.limiter.record_failure(user.username, ip)
        raise HTTPException(403, detail="current_password is wrong")
    try:
        check_password(body.new_password, auth.store.min_password_length, "new_password")
        keep = principal.session.id_hash if principal.session is not None else None
        auth.store.update_user(user.id, actor=principal.actor, password=body.new_password, keep_session=keep)
    except AuthError as e:
        raise to_http(e, {"password": "new_password"}) from e
