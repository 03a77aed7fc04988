"""Frame-rate limiting by stream time: keep at most ``fps`` frames per second of video."""

from __future__ import annotations


class FpsLimiter:
    """Decides, frame by frame, which to keep so that the kept rate is at most ``fps``.

    Kept frames fall on a grid of ``1/fps`` seconds of stream time (pts), never on frame
    counts, so variable-rate video is sampled evenly. A frame up to a quarter interval
    early still takes its slot (jittery live timestamps); after a gap the grid restarts
    at the next frame. ``fps=None`` keeps every frame.
    """

    def __init__(self, fps: float | None) -> None:
        if fps is not None and not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._interval = None if fps is None else 1.0 / fps
        self._next: float | None = None

    def accept(self, pts: float) -> bool:
        """True when the frame at ``pts`` seconds should be kept."""
        interval = self._interval
        if interval is None:
            return True
        nxt = self._next
        if nxt is not None and pts < nxt - 0.25 * interval:
            return False
        nxt = (pts if nxt is None else nxt) + interval
        self._next = nxt if nxt > pts else pts + interval
        return True
