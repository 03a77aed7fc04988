"""Exponential backoff with jitter, for reconnecting live sources."""

from __future__ import annotations

import random


class Backoff:
    """Delays of ``initial`` doubling (``factor``) up to ``maximum`` seconds, each jittered by ±``jitter``.

    ``next_delay()`` returns the next wait; ``reset()`` starts again from ``initial``
    (call it once a connection works again). Jitter keeps many cameras that dropped
    together from reconnecting in lockstep.
    """

    def __init__(
        self,
        initial: float = 0.5,
        maximum: float = 30.0,
        factor: float = 2.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if not 0.0 < initial <= maximum:
            raise ValueError(f"backoff needs 0 < initial ({initial}) <= maximum ({maximum})")
        if factor < 1.0:
            raise ValueError(f"backoff factor must be >= 1, got {factor}")
        if not 0.0 <= jitter < 1.0:
            raise ValueError(f"backoff jitter must be in [0, 1), got {jitter}")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._base = initial

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; grows until ``maximum``."""
        base = self._base
        self._base = min(self.maximum, self._base * self.factor)
        spread = self.jitter * (2.0 * self._rng.random() - 1.0)
        return min(self.maximum, base * (1.0 + spread))

    def reset(self) -> None:
        self._base = self.initial
