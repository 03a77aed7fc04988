"""First start without an admin: a one-time setup token instead of a default password."""

from __future__ import annotations

import logging

from vigil.auth.store import AuthStore

log = logging.getLogger(__name__)


def ensure_setup_token(store: AuthStore, ttl_s: float = 86400.0) -> str | None:
    """A fresh one-time setup token when no enabled admin exists (for the caller to print,
    e.g. as ``http://HOST:PORT/setup#token=...``), else None.

    Each call replaces the previous token; once an admin exists any leftover is deleted.
    """
    if store.has_admin():
        store.clear_setup_tokens()
        return None
    token = store.create_setup_token(ttl_s)
    log.warning("no admin user yet: created a one-time setup token, valid for %.0f s", ttl_s)
    return token
