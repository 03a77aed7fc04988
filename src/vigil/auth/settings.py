"""Settings of the HTTP side of auth (sessions, cookies, login limits, first-start setup)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator

from vigil.config.base import StrictModel


class AuthSettings(StrictModel):
    session_lifetime_s: float = Field(
        default=86400.0, gt=0, description="A browser session ends this long after login, whatever the activity."
    )
    session_idle_timeout_s: float = Field(
        default=7200.0, gt=0, description="A session ends after this long without a request (to within 60 s)."
    )
    cookie_name: str = Field(
        default="vigil_session", pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Session cookie name."
    )
    cookie_secure: bool | None = Field(
        default=None, description="Mark the session cookie Secure; default (null): when the request came over https."
    )
    login_window_s: float = Field(default=300.0, gt=0, description="Sliding window of the login failure limits.")
    login_max_failures_per_username: int = Field(
        default=5, ge=1, description="Failed logins per username within the window."
    )
    login_max_failures_per_ip: int = Field(default=20, ge=1, description="Failed logins per client IP in the window.")
    setup_token_ttl_s: float = Field(
        default=86400.0, gt=0, description="How long the first-start setup token is valid."
    )
    trusted_proxies: tuple[str, ...] = Field(
        default=(), description="Reverse-proxy IPs whose X-Forwarded-For names the client (per-IP login limit)."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _ips(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for ip in value:
            try:
                ipaddress.ip_address(ip)
            except ValueError as e:
                raise ValueError(f"{ip!r} is not an IP address") from e
        return value
