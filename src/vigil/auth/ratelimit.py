"""Login rate limiting: an in-memory sliding window of failures per username and per client IP.

Why in memory: `vigil serve` is one process, and a limiter that resets on restart costs an
attacker a restart they cannot cause. Failures are counted per username (case-insensitive,
whatever the IP: stops guessing one account from many addresses) and per IP (whatever the
username: stops spraying many accounts from one address). While either is over its limit,
attempts are refused with 429 before any password is checked, and refused attempts do not
extend the lockout. A success clears the username's failures, not the IP's.

Trade-off: whoever knows a username can keep that account locked out by failing on purpose;
the per-username limit is deliberately small (5 / 5 min) so this costs them continuous effort
while the account holder can use an API token meanwhile. Memory is bounded: the least
recently failed keys are forgotten beyond `max_keys`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable


class _Window:
    """Failure times per key within the last `window_s` seconds, at most `max_keys` keys."""

    def __init__(self, limit: int, window_s: float, max_keys: int) -> None:
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def _live(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def retry_after(self, key: str, now: float) -> float:
        hits = self._live(key, now)
        if hits is None or len(hits) < self.limit:
            return 0.0
        # The count drops below the limit when the (len - limit + 1)-th oldest failure expires.
        return hits[len(hits) - self.limit] + self.window_s - now

    def add(self, key: str, now: float) -> None:
        hits = self._live(key, now)
        if hits is None:
            hits = self._hits[key] = deque()
        hits.append(now)
        self._hits.move_to_end(key)
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)

    def clear(self, key: str) -> None:
        self._hits.pop(key, None)


class LoginRateLimiter:
    """Thread-safe; `clock` returns seconds on a monotonic clock (injected for tests)."""

    def __init__(
        self,
        *,
        max_failures_per_username: int = 5,
        max_failures_per_ip: int = 20,
        window_s: float = 300.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures_per_username < 1 or max_failures_per_ip < 1:
            raise ValueError("login failure limits must be at least 1")
        if not window_s > 0:
            raise ValueError(f"login rate-limit window_s must be positive, got {window_s}")
        self._users = _Window(max_failures_per_username, window_s, max_keys)
        self._ips = _Window(max_failures_per_ip, window_s, max_keys)
        self._clock = clock
        self._lock = threading.Lock()

    def retry_after(self, username: str, ip: str) -> int:
        """Whole seconds until an attempt for this username from this IP is allowed (0: now)."""
        with self._lock:
            now = self._clock()
            wait = max(self._users.retry_after(username.casefold(), now), self._ips.retry_after(ip, now))
        return math.ceil(wait) if wait > 0 else 0

    def record_failure(self, username: str, ip: str) -> None:
        with self._lock:
            now = self._clock()
            self._users.add(username.casefold(), now)
            self._ips.add(ip, now)

    def record_success(self, username: str) -> None:
        with self._lock:
            self._users.clear(username.casefold())
