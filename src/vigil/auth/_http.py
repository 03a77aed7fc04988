"""Shared pieces of the auth routes: the Auth dependency, error mapping, client IP, cookies."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError

from vigil.auth.deps import Auth, get_auth
from vigil.auth.errors import (
    AuthError,
    AuthInputError,
    LastAdminError,
    SetupDoneError,
    SetupTokenError,
    TokenNotFoundError,
    UserExistsError,
    UserNotFoundError,
)

AuthDep = Annotated[Auth, Depends(get_auth)]

_STATUS: tuple[tuple[type[AuthError], int], ...] = (
    (UserExistsError, 409),
    (LastAdminError, 409),
    (SetupDoneError, 409),
    (SetupTokenError, 403),
    (UserNotFoundError, 404),
    (TokenNotFoundError, 404),
)


def to_http(e: AuthError, rename: dict[str, str] | None = None) -> Exception:
    """The HTTP error for a store error: 422 naming the body field, or 409 / 404 / 403.

    rename maps store field names to the request's (``{"password": "new_password"}``).
    """
    if isinstance(e, AuthInputError):
        field = (rename or {}).get(e.field, e.field)
        return RequestValidationError([{"type": "value_error", "loc": ("body", field), "msg": e.reason, "input": None}])
    for cls, status in _STATUS:
        if isinstance(e, cls):
            return HTTPException(status, detail=str(e))
    return HTTPException(400, detail=str(e))


def client_ip(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    """The client's address; behind a trusted proxy, the rightmost untrusted X-Forwarded-For entry."""
    peer = request.client.host if request.client else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return peer
        if address not in trusted_proxies:
            return address
    return peer


def cookie_secure(auth: Auth, request: Request) -> bool:
    configured = auth.settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


def set_session_cookie(response: Response, auth: Auth, request: Request, value: str) -> None:
    response.set_cookie(
        auth.settings.cookie_name,
        value,
        max_age=int(auth.settings.session_lifetime_s),
        path="/",
        httponly=True,
        samesite="strict",
        secure=cookie_secure(auth, request),
    )


def clear_session_cookie(response: Response, auth: Auth, request: Request) -> None:
    response.delete_cookie(
        auth.settings.cookie_name, path="/", httponly=True, samesite="strict", secure=cookie_secure(auth, request)
    )
