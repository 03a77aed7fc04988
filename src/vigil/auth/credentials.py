"""Random secrets and how they are stored: only the sha256 of each is ever written down.

The secrets carry 256 random bits, so a plain sha256 suffices (no salt or slow hash is
needed against guessing); lookups go by the hash, so a timing difference can only leak
hash bits, never the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

API_TOKEN_PREFIX = "vgl_"
"""API tokens start with this, so that secret scanners and people can recognise them."""

PREFIX_CHARS = 8
"""How many characters after ``vgl_`` are kept in clear to tell tokens apart in lists."""


def new_secret() -> str:
    """32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + new_secret()


def display_prefix(token: str) -> str:
    """The part of a token that may be shown after creation, e.g. ``vgl_AbCd1234``."""
    return token[: len(API_TOKEN_PREFIX) + PREFIX_CHARS]


def hash_secret(secret: str) -> str:
    """Hex sha256 of the UTF-8 secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time equality of two strings."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))
