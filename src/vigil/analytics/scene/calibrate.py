"""Event logic shared by the detector and the calibration, and the threshold for a false-alarm rate.

An event starts once the score has stayed at or above the threshold for
``min_duration`` seconds and ends once it has stayed below ``threshold - hysteresis``
for ``end_after`` seconds (:class:`EventGate`).

Calibration (:func:`calibrate_threshold`): normal footage is short next to the rates
asked for (one false alarm per hour from a few minutes), so the rate is extrapolated
with a peaks-over-threshold model. The score sustained over ``min_duration`` is what
must cross the threshold; its episodes above a base level are declustered with the
same gate, and their peak excesses are taken as exponential (the generalised Pareto
tail with shape 0, fitted by maximum likelihood: the mean excess). Then
``rate(x) = rate(u) * exp(-(x - u) / beta)`` is solved for the target rate. Where the
footage holds enough events at the target rate itself, the empirical rate is used.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

_EPS = 1e-9
MIN_EPISODES = 5
"""Episodes above the base level needed to fit the tail."""
MIN_TAIL_SCALE = 0.25
"""Smallest exponential tail scale (score units): a few episodes cannot make the tail arbitrarily thin."""
BISECTIONS = 24


class EventGate:
    """Hysteresis and minimum duration on a score stream: ``update(t, score)`` -> "start", "end" or None."""

    def __init__(self, threshold: float, hysteresis: float, min_duration: float, end_after: float) -> None:
        self.threshold = threshold
        self.low = threshold - hysteresis
        self.min_duration = min_duration
        self.end_after = end_after
        self.active = False
        self.started: float | None = None
        self._above_since: float | None = None
        self._below_since: float | None = None

    def update(self, t: float, score: float) -> str | None:
        if not self.active:
            if score >= self.threshold:
                if self._above_since is None:
                    self._above_since = t
                if t - self._above_since >= self.min_duration - _EPS:
                    self.active, self.started, self._below_since = True, self._above_since, None
                    return "start"
            else:
                self._above_since = None
            return None
        if score < self.low:
            if self._below_since is None:
                self._below_since = t
            if t - self._below_since >= self.end_after - _EPS:
                self.active, self._above_since = False, None
                return "end"
        else:
            self._below_since = None
        return None


def count_events(
    series: Sequence[tuple[F64, F64]], threshold: float, hysteresis: float, min_duration: float, end_after: float
) -> int:
    """Events the gate starts over several (times, scores) runs."""
    n = 0
    for times, scores in series:
        gate = EventGate(threshold, hysteresis, min_duration, end_after)
        n += sum(1 for t, s in zip(times.tolist(), scores.tolist(), strict=True) if gate.update(t, s) == "start")
    return n


def sustained(times: F64, scores: F64, duration: float) -> F64:
    """Running minimum of the score over the last ``duration`` seconds (what a min-duration gate sees)."""
    if duration <= 0 or len(scores) == 0:
        return scores.copy()
    out = np.empty_like(scores)
    window: deque[int] = deque()
    for i, (t, s) in enumerate(zip(times.tolist(), scores.tolist(), strict=True)):
        while window and scores[window[-1]] >= s:
            window.pop()
        window.append(i)
        while times[window[0]] < t - duration:
            window.popleft()
        out[i] = scores[window[0]] if t - times[0] >= duration else -math.inf
    return out


def episode_peaks(
    series: Sequence[tuple[F64, F64]], level: float, hysteresis: float, end_after: float
) -> list[float]:
    """Peak of each episode of the (sustained) score above ``level``, declustered by the gate's end rule."""
    peaks: list[float] = []
    for times, scores in series:
        gate = EventGate(level, hysteresis, 0.0, end_after)
        peak = -math.inf
        for t, s in zip(times.tolist(), scores.tolist(), strict=True):
            phase = gate.update(t, s)
            if phase == "start":
                peak = s
            elif gate.active:
                peak = max(peak, s)
            if phase == "end":
                peaks.append(peak)
        if gate.active:
            peaks.append(peak)
    return peaks


@dataclass(frozen=True, slots=True)
class Calibration:
    """The threshold for a target rate, and how it was found.

    method: "empirical" (enough events at the rate in the footage) or "tail" (extrapolated).
    base_level/base_rate/tail_scale: the exponential tail fitted (rates per hour).
    """

    threshold: float
    target_per_hour: float
    hours: float
    method: str
    base_level: float
    base_rate: float
    tail_scale: float


def _level_for_count(held: Sequence[tuple[F64, F64]], lo: float, hi: float, count: float, gate: tuple[float, float]) -> float:
    """The lowest level (bisection) at which at most ``count`` episodes start."""
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        if len(episode_peaks(held, mid, *gate)) > count:
            lo = mid
        else:
            hi = mid
    return hi


def calibrate_threshold(
    series: Sequence[tuple[F64, F64]],
    target_per_hour: float,
    hysteresis: float,
    min_duration: float,
    end_after: float,
) -> Calibration:
    """The score threshold at which the gate starts about ``target_per_hour`` events on this normal footage."""
    if target_per_hour <= 0:
        raise ValueError(f"target false-alarm rate must be positive, got {target_per_hour}")
    runs = [(np.asarray(t, np.float64), np.asarray(s, np.float64)) for t, s in series if len(t) > 1]
    hours = sum(float(t[-1] - t[0]) for t, _ in runs) / 3600.0
    if not runs or hours <= 0:
        raise ValueError("calibration needs at least two timed scores")
    held = [(t, sustained(t, s, min_duration)) for t, s in runs]
    values = np.concatenate([s[np.isfinite(s)] for _, s in held])
    if values.size == 0:
        raise ValueError(f"no run is longer than min_duration ({min_duration} s)")
    gate = (hysteresis, end_after)
    lo, hi = float(values.min()), float(values.max()) + 1e-6
    expected = target_per_hour * hours
    if expected >= MIN_EPISODES:
        # the footage holds enough events at the target rate: take the level that gives them
        level = _level_for_count(held, lo, hi, expected, gate)
        return Calibration(level, target_per_hour, hours, "empirical", level, target_per_hour, 0.0)
    base = _level_for_count(held, lo, hi, 2 * MIN_EPISODES, gate)
    peaks = episode_peaks(held, base, *gate)
    if len(peaks) < MIN_EPISODES:  # short or flat footage: take what there is
        base = float(np.quantile(values, 0.5))
        peaks = episode_peaks(held, base, *gate)
    rate_base = max(len(peaks), 1) / hours
    excess = [p - base for p in peaks if p > base]
    beta = max(MIN_TAIL_SCALE, float(np.mean(excess)) if excess else MIN_TAIL_SCALE)
    threshold = base + beta * math.log(max(rate_base / target_per_hour, 1.0))
    return Calibration(threshold, target_per_hour, hours, "tail", base, rate_base, beta)
