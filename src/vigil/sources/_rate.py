"""Frame-rate limiting by stream time: keep at most ``fps`` frames per second of video."""

from __future__ import annotations


class FpsLimiter:
    """Decides, frame by frame, which to keep so that the kept rate is at most ``fps``.

    Kept frames fall on a grid of ``1/fps`` seconds of stream time (pts), never on frame
    counts, so variable-rate video is sampled evenly. A frame a little early for its
    slot still takes it (live timestamps jitter): up to a quarter of the output interval
    or half the input frame interval, whichever is smaller. After a gap the grid restarts
    at the next frame. ``fps=None`` keeps every frame.
    """

    def __init__(self, fps: float | None) -> None:
        if fps is not None and not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._interval = None if fps is None else 1.0 / fps
        self._next: float | None = None  # start of the next free slot
        self._last: float | None = None  # pts of the previous input frame
        self._period: float | None = None  # input frame interval (smoothed)

    def accept(self, pts: float) -> bool:
        """True when the frame at ``pts`` seconds should be kept."""
        interval = self._interval
        if interval is None:
            return True
        if self._last is not None and pts > self._last:
            gap = pts - self._last
            self._period = gap if self._period is None else 0.8 * self._period + 0.2 * gap
        self._last = pts
        nxt = self._next
        if nxt is not None:
            slack = 0.25 * interval if self._period is None else min(0.25 * interval, 0.5 * self._period)
            if pts < nxt - slack:
                return False
        nxt = (pts if nxt is None else nxt) + interval
        self._next = nxt if nxt > pts else pts + interval
        return True
