"""A condition that must hold for a while to start an event and stay false for a while to end it."""

from __future__ import annotations


class Sustained:
    """``step(cond, t)`` returns "start", "end" or None.

    Starts once ``cond`` has held for ``min_duration`` seconds (false frames for less
    than ``tolerance`` seconds do not break the run); ends once it has been false for
    ``end_after``. ``started`` is when the run that started the event began (the onset).
    ``min_samples``: frames with ``cond`` true needed as well (sparse streams: a second or
    two of frames, not one lucky pair).
    """

    def __init__(self, min_duration: float, end_after: float, tolerance: float = 0.0, min_samples: int = 1) -> None:
        self.min_duration = min_duration
        self.end_after = end_after
        self.tolerance = tolerance
        self.min_samples = min_samples
        self.samples = 0
        self.active = False
        self.since: float | None = None
        self.last_true = float("-inf")
        self.started = 0.0

    def step(self, cond: bool, t: float) -> str | None:
        if cond:
            if self.since is None:
                self.since, self.samples = t, 0
            self.samples += 1
            self.last_true = t
            if not self.active and t - self.since >= self.min_duration - 1e-9 and self.samples >= self.min_samples:
                self.active = True
                self.started = self.since
                return "start"
            return None
        if self.active:
            if t - self.last_true >= self.end_after - 1e-9:
                self.active = False
                self.since = None
                return "end"
        elif self.since is not None and t - self.last_true > self.tolerance:
            self.since = None
        return None
