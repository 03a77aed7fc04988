"""Password hashing with argon2id (argon2-cffi).

The default parameters are argon2-cffi's, RFC 9106's low-memory profile (t=3, m=64 MiB,
p=4): about 0.5 s per hash on a 2-core machine. Tests pass a cheaper `PasswordHasher`.
At most `max_concurrent` hashes run at once, so a burst of logins cannot claim 64 MiB per
server thread.
"""

from __future__ import annotations

import logging
import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

log = logging.getLogger(__name__)


def default_hasher() -> PasswordHasher:
    return PasswordHasher()


class Passwords:
    """Hash and verify with one hasher; verification of unknown users costs the same."""

    def __init__(self, hasher: PasswordHasher | None = None, max_concurrent: int | None = None) -> None:
        self._hasher = hasher or default_hasher()
        self._slots = threading.BoundedSemaphore(max_concurrent or max(2, os.cpu_count() or 2))
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches; a malformed stored hash counts as a mismatch (logged)."""
        try:
            with self._slots:
                return self._hasher.verify(password_hash, password)
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError) as e:
            log.error("stored password hash cannot be verified (%s); treating it as a mismatch", e)
            return False

    def burn(self, password: str) -> None:
        """Spend the time of one verification, for a username that does not exist."""
        if self._dummy is None:
            self._dummy = self.hash("vigil-dummy-password")
        self.verify(self._dummy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
