"""Per-track velocity from stream timestamps, by least squares with exponential forgetting.

For each track and each velocity window ``W`` the table keeps seven running sums of
its samples (t_i, x_i, y_i) weighted by ``exp(-(t - t_i) / tau)``, tau = W / 3 (its
response to a change of speed rises as fast as that of a plain least-squares fit over
the last W seconds): the weighted least-squares line through those samples gives the
velocity. Because the weights depend on time, not
on sample counts, the same motion sampled at 5 or 25 fps gives the same velocity,
and detection jitter averages out over the window. Each track costs a fixed column
of numbers (no sample buffer), updated with a handful of vector operations per frame
for all tracks at once; columns of tracks unseen for ``retention`` seconds are reused.

A velocity is *valid* once the track has three samples and has been seen for half a
window. In sparse streams (a frame every ``dt`` seconds, dt > tau) the time constant
grows to ``dt``, so a velocity always rests on a few samples.

Id switches: when a box lands far from where the track was heading (its last position
plus its velocity times the time since: more than half a body height off, widened for
long gaps), the tracker has most likely moved the id onto someone else; the track's
history restarts there, so the leap never shows up as a burst of speed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

JUMP_GATE = 0.5
"""Body heights a box may land away from its predicted place before its history restarts."""
MAX_ACCELERATION = 4.0
"""Body heights per second squared a person can plausibly accelerate (~7 m/s², a sprint start).

It widens the jump gate when samples are far apart."""

MAX_RESIZE = 1.3
"""A box this much taller or shorter than its track's smoothed height belongs to someone else."""
MIN_SAMPLES = 3
"""Samples a track needs before its velocity counts (two points are one noisy difference)."""

_LAST, _FIRST, _HEIGHT, _COUNT, _PX, _PY, _VX, _VY = range(8)  # last position and shortest-window velocity
_BASE = 8  # then 7 rows per window: w, st, stt, sx, sy, stx, sty


class TrackTable:
    """Per-track running sums. ``update`` once per frame, then ``velocity(window)`` for a registered window."""

    def __init__(
        self, windows: Sequence[float], retention: float = 5.0, height_tau: float = 0.5, slots: int = 64
    ) -> None:
        self.windows = tuple(sorted({float(w) for w in windows}))
        if not self.windows or min(self.windows) <= 0:
            raise ValueError(f"velocity windows must be positive seconds, got {windows}")
        self._taus = [w / 3.0 for w in self.windows]
        self.retention = retention
        self.height_tau = height_tau
        self._rows = _BASE + 7 * len(self.windows)
        self._a = np.zeros((self._rows, slots))
        self._slot: dict[int, int] = {}
        self._free = list(range(slots - 1, -1, -1))
        self._next_prune = -np.inf
        self._cur = np.zeros((self._rows, 0))
        self._cur_t = 0.0
        self._frame_dt = 0.0
        self._cache: dict[float, tuple[F64, Bool]] = {}
        self.jumps = 0

    def _slot_for(self, track_id: int) -> int:
        s = self._slot.get(track_id)
        if s is None:
            if not self._free:
                n = self._a.shape[1]
                self._a = np.concatenate((self._a, np.zeros((self._rows, n))), axis=1)
                self._free = list(range(2 * n - 1, n - 1, -1))
            s = self._free.pop()
            self._slot[track_id] = s
            self._a[:, s] = 0.0
        return s

    def update(self, ids: Sequence[int] | I64, t: float, x: F64, y: F64, heights: F64, unit: F64 | float) -> I64:
        """Record one frame: positions ``x``, ``y`` and box heights (N,) of tracks ``ids``; returns their slots.

        ``unit``: world length of one body height per track (or a scalar), for the jump gate.
        """
        get = self._slot.get
        if isinstance(ids, np.ndarray):
            ids = ids.tolist()
        slots = np.array([s if (s := get(i)) is not None else self._slot_for(int(i)) for i in ids], np.int64)
        a = self._a[:, slots]
        d = np.maximum(t - a[_LAST], 0.0)
        # a box far from where the track was heading: the id was swapped onto someone else
        ex = x - (a[_PX] + a[_VX] * d)
        ey = y - (a[_PY] + a[_VY] * d)
        allowed = unit * (JUMP_GATE + 0.5 * MAX_ACCELERATION * d * d) + 0.5 * np.hypot(a[_VX], a[_VY]) * d
        ratio = heights / np.where(a[_HEIGHT] > 0, a[_HEIGHT], heights)
        resized = (ratio > MAX_RESIZE) | (ratio * MAX_RESIZE < 1.0)  # someone nearer or farther: another person
        jump = (a[_COUNT] > 0) & ((ex * ex + ey * ey > allowed * allowed) | resized)
        if jump.any():  # start this track's history afresh
            a[:, jump] = 0.0
            self.jumps += int(np.count_nonzero(jump))
        fresh = a[_COUNT] == 0
        alpha = np.where(fresh, 1.0, -np.expm1(-d / self.height_tau))
        a[_HEIGHT] += alpha * (heights - a[_HEIGHT])
        a[_COUNT] += 1.0
        a[_LAST] = t
        a[_FIRST] = np.where(fresh, t, a[_FIRST])
        a[_PX] = x
        a[_PY] = y
        if self._cur_t < t:  # typical time between frames, for sparse streams
            step = t - self._cur_t
            self._frame_dt = step if self._frame_dt == 0.0 else self._frame_dt + 0.05 * (step - self._frame_dt)
        for j, tau in enumerate(self._taus):
            tau = max(tau, self._frame_dt)
            r = _BASE + 7 * j
            w, st, stt, sx, sy, stx, sty = a[r : r + 7]
            # move the time origin to now (sample times are relative to the last update) ...
            stt += d * (d * w - 2.0 * st)
            st -= d * w
            stx -= d * sx
            sty -= d * sy
            # ... forget with the elapsed time, and add the new sample at time 0
            a[r : r + 7] *= np.exp(-d / tau)
            w += 1.0
            sx += x
            sy += y
        self._a[:, slots] = a
        self._cur, self._cur_t = a, t
        self._cache = {}
        vel, _ = self.velocity(self.windows[0])
        self._a[_VX, slots] = vel[:, 0]
        self._a[_VY, slots] = vel[:, 1]
        if t >= self._next_prune:
            self._prune(t)
        return slots

    def _prune(self, t: float) -> None:
        self._next_prune = t + 1.0
        a = self._a
        stale = [tid for tid, s in self._slot.items() if a[_LAST, s] < t - self.retention]
        for tid in stale:
            self._free.append(self._slot.pop(tid))

    def height(self) -> F64:
        """(N,) smoothed box heights of the tracks of the last update, in its order."""
        return self._cur[_HEIGHT]

    def velocity(self, window: float) -> tuple[F64, Bool]:
        """(N, 2) velocity (units/s) over ``window`` of the tracks of the last update, and (N,) validity."""
        hit = self._cache.get(window)
        if hit is not None:
            return hit
        j = self.windows.index(window)
        a = self._cur
        w, st, stt, sx, sy, stx, sty = a[_BASE + 7 * j : _BASE + 7 * j + 7]
        den = w * stt - st * st
        sloped = (a[_COUNT] >= MIN_SAMPLES) & (den > 1e-12 * w * w)
        inv = np.where(sloped, 1.0 / np.where(sloped, den, 1.0), 0.0)
        vel = np.empty((len(w), 2))
        vel[:, 0] = (w * stx - st * sx) * inv
        vel[:, 1] = (w * sty - st * sy) * inv
        result = vel, sloped & (self._cur_t - a[_FIRST] >= 0.5 * window - 1e-6)
        self._cache[window] = result
        return result
