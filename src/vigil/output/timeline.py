"""The report's event timeline: one swimlane per event kind, in bounded memory.

An event that lasts (``start`` ... ``end`` records) is a bar from its onset
(``started``) to its end; an instant one (a crossing, an entry) is a tick. The first
``max_items`` bars and ticks are kept exactly, with a tooltip each. Every event is
also marked on a fixed raster of ``bins`` time bins per lane (the bin width doubles
when the run outgrows it, as in :class:`~vigil.output.aggregate.BinnedSeries`);
once more than ``max_items`` happened the chart is drawn from that raster: covered
bins merge into bars, ticks carry their count. Either way memory and the number of
drawn SVG items are bounded, however long the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt

from vigil.config.analytics import RULE_TYPES
from vigil.output._eventtext import event_details
from vigil.output._timefmt import clock, duration
from vigil.output.charts import PAD_B, PAD_L, PAD_R, PAD_T, W, bin_label, svg_open, time_axis
from vigil.output.lifecycle import TRACK_END, TRACK_START
from vigil.types import Event

OTHER = "other"
LANE_H = 30
MAX_OPEN = 1024


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """A bar (``end`` not None: from ``start`` to ``end``; ``ongoing`` if it never ended) or a tick at ``start``."""

    lane: int
    start: float
    end: float | None
    tip: str
    ongoing: bool = False


@dataclass(slots=True)
class _Open:
    lane: int
    start: float
    first_t: float
    track_ids: tuple[int, ...]


class EventTimeline:
    """Collects behaviour events (track start/end are ignored) for :meth:`svg`.

    ``observe(t)`` with every frame's time keeps the raster's range; ``add(event)``
    with every event. Lanes: up to ``max_lanes`` kinds, later kinds share an "other" lane.
    """

    def __init__(self, *, max_items: int = 1000, bins: int = 512, max_lanes: int = 16,
                 initial_width: float = 0.1) -> None:  # fmt: skip
        if bins < 2 or bins % 2:
            raise ValueError(f"bins must be an even number >= 2, got {bins}")
        self.max_items, self.bins, self.max_lanes = max_items, bins, max_lanes
        self.width = initial_width
        self.t0: float | None = None
        self.lanes: dict[str, int] = {}
        self.spans = np.zeros(max_lanes + 1, np.int64)  # bars per lane
        self.instants = np.zeros(max_lanes + 1, np.int64)  # ticks per lane
        self._cover = np.zeros((max_lanes + 1, bins), bool)
        self._ticks = np.zeros((max_lanes + 1, bins), np.int64)
        self._items: list[TimelineItem] = []
        self._open: dict[tuple[str, str, float], _Open] = {}
        self.overflow = False
        self.last_t: float | None = None

    @property
    def total(self) -> int:
        return int(self.spans.sum() + self.instants.sum())

    def observe(self, t: float) -> None:
        """Extend the covered time range to ``t``."""
        if self.t0 is None:
            self.t0 = t
        self._bin(t)
        if self.last_t is None or t > self.last_t:
            self.last_t = t

    def add(self, ev: Event) -> None:
        if ev.kind in (TRACK_START, TRACK_END):
            return
        self.observe(ev.t)
        lane = self._lane(ev.kind)
        if ev.phase == "instant":
            self.instants[lane] += 1
            self._ticks[lane, self._bin(ev.t)] += 1
            self._keep(TimelineItem(lane, ev.t, None, self._tip(ev, ev.t, None)))
            return
        key = (ev.kind, str(ev.attributes.get("rule", ev.kind)), ev.started if ev.started is not None else ev.t)
        if ev.phase in ("start", "update"):
            if key not in self._open and ev.phase == "start":
                if len(self._open) >= MAX_OPEN:  # a producer that never ends its events: close the oldest
                    old_key = next(iter(self._open))
                    self._close(self._open.pop(old_key), old_key[0], self.last_t or ev.t, None)
                self._open[key] = _Open(lane, key[2], ev.t, ev.track_ids)
            elif key in self._open:
                self._open[key].track_ids = ev.track_ids or self._open[key].track_ids
            return
        if ev.phase == "end":
            opened = self._open.pop(key, None) or self._pop_same_rule(key) or _Open(lane, key[2], ev.t, ev.track_ids)
            self._close(opened, ev.kind, ev.t, ev)

    def _pop_same_rule(self, key: tuple[str, str, float]) -> _Open | None:
        """An end whose onset differs from its start's (a rule that moved it): the oldest open one of that rule."""
        for k in self._open:
            if k[:2] == key[:2]:
                return self._open.pop(k)
        return None

    def _close(self, op: _Open, kind: str, end: float, ev: Event | None) -> None:
        end = max(end, op.start)
        self.spans[op.lane] += 1
        b1 = self._bin(end)
        b0 = self._bin(op.start)  # after b1: finding b1 may have doubled the width
        self._cover[op.lane, b0 : b1 + 1] = True
        tip_ev = ev or Event(kind, "end", end, "", op.track_ids, op.start)
        self._keep(TimelineItem(op.lane, op.start, end, self._tip(tip_ev, op.start, end)))

    def _keep(self, item: TimelineItem) -> None:
        if len(self._items) < self.max_items:
            self._items.append(item)
        else:
            self.overflow = True

    def _lane(self, kind: str) -> int:
        lane = self.lanes.get(kind)
        if lane is None:
            if len(self.lanes) < self.max_lanes:
                lane = self.lanes[kind] = len(self.lanes)
            else:
                lane = self.lanes.setdefault(OTHER, self.max_lanes)
        return lane

    def _bin(self, t: float) -> int:
        t0 = self.t0 if self.t0 is not None else t
        i = max(0, math.floor((t - t0) / self.width))
        while i >= self.bins:
            self._halve()
            i //= 2
        return i

    def _halve(self) -> None:
        half = self.bins // 2
        self._cover[:, :half] = self._cover[:, 0::2] | self._cover[:, 1::2]
        self._ticks[:, :half] = self._ticks[:, 0::2] + self._ticks[:, 1::2]
        self._cover[:, half:] = False
        self._ticks[:, half:] = 0
        self.width *= 2

    @staticmethod
    def _tip(ev: Event, start: float, end: float | None) -> str:
        ids = ", ".join(f"#{i}" for i in ev.track_ids[:8]) + (" ..." if len(ev.track_ids) > 8 else "")
        when = clock(start) if end is None else f"{clock(start)}-{clock(end)} ({duration(end - start)})"
        text = f"{ev.kind} {when}" + (f" tracks {ids}" if ids else "")
        details = event_details(ev, max_items=8)
        return f"{text}; {details}"[:300] if details else text

    # -- drawing --------------------------------------------------------------------------

    def items(self) -> list[TimelineItem]:
        """The exactly kept items, plus events still open (bars to the last time seen)."""
        end = self.last_t if self.last_t is not None else 0.0
        opened = [
            TimelineItem(op.lane, op.start, max(end, op.start), f"{kind} from {clock(op.start)}, still going", True)
            for (kind, _, _), op in self._open.items()
        ]
        return self._items + opened

    def svg(self, t_lo: float, t_hi: float) -> str:
        """Swimlanes over [t_lo, t_hi] (the run's time range); an empty-state paragraph without events."""
        if not self.lanes:
            return '<p class="empty">No behaviour events.</p>'
        if t_hi <= t_lo:
            t_hi = t_lo + 1.0
        order = sorted(self.lanes.items(), key=lambda kv: _lane_order(kv[0]))
        row_of = {lane: r for r, (_, lane) in enumerate(order)}
        h = PAD_T + LANE_H * len(order) + PAD_B
        plot_w = W - PAD_L - PAD_R

        def x_of(t: float) -> float:
            return PAD_L + (min(max(t, t_lo), t_hi) - t_lo) / (t_hi - t_lo) * plot_w

        parts = [svg_open("Event timeline", h=h).replace('class="chart"', 'class="chart timeline"', 1)]
        still_open = np.bincount([op.lane for op in self._open.values()], minlength=self.max_lanes + 1)
        for r, (kind, lane) in enumerate(order):
            top = PAD_T + r * LANE_H
            n_s, n_i = int(self.spans[lane] + still_open[lane]), int(self.instants[lane])
            counts = ", ".join(p for p in (f"{n_s:,} lasting" if n_s else "", f"{n_i:,} instant" if n_i else "") if p)
            parts.append(f'<line class="grid" x1="{PAD_L}" y1="{top + LANE_H}" x2="{W - PAD_R}" y2="{top + LANE_H}"/>')
            parts.append(f'<text class="lbl" x="{PAD_L + 2}" y="{top + 10}">{escape(kind)} ({counts})</text>')
        if self.overflow:
            parts.extend(self._raster_items(row_of, x_of, t_lo))
        else:
            for it in self.items():
                top = PAD_T + row_of[it.lane] * LANE_H
                cls = f"k{row_of[it.lane] % 8}"
                if it.end is None:
                    parts.append(
                        f'<rect class="{cls}" x="{x_of(it.start) - 1:.1f}" y="{top + 13}" width="2" height="15">'
                        f"<title>{escape(it.tip)}</title></rect>"
                    )
                else:
                    x0, x1 = x_of(it.start), x_of(it.end)
                    op = ' fill-opacity="0.45"' if it.ongoing else ' fill-opacity="0.8"'  # overlaps show darker
                    parts.append(
                        f'<rect class="{cls}"{op} x="{x0:.1f}" y="{top + 15}" width="{max(x1 - x0, 2):.1f}" '
                        f'height="11" rx="3"><title>{escape(it.tip)}</title></rect>'
                    )
        parts.extend(time_axis(t_lo, t_hi, x_of, h - PAD_B))
        parts.append("</svg>")
        return "".join(parts)

    def note(self) -> str:
        """A caption saying how the chart was drawn."""
        if not self.lanes:
            return ""
        if self.overflow:
            return (f"{self.total:,} events: more than {self.max_items:,}, so they are drawn in "
                    f"{bin_label(self.width)} bins (a tick's tooltip gives its count).")  # fmt: skip
        return "Bars run from the onset of an event to its end; ticks are instant events. Hover for details."

    def _raster_items(self, row_of: dict[int, int], x_of: Callable[[float], float], t_lo: float) -> list[str]:
        cover = self._cover.copy()
        t0 = self.t0 if self.t0 is not None else t_lo
        end = self.last_t if self.last_t is not None else t0
        for op in self._open.values():  # ongoing events cover up to the last time seen
            b0 = max(0, math.floor((op.start - t0) / self.width))
            b1 = min(self.bins - 1, max(b0, math.floor((end - t0) / self.width)))
            cover[op.lane, b0 : b1 + 1] = True
        out: list[str] = []
        for lane, r in row_of.items():
            top = PAD_T + r * LANE_H
            cls = f"k{r % 8}"
            for a, b in _true_runs(cover[lane]):
                x0, x1 = x_of(t0 + a * self.width), x_of(t0 + b * self.width)
                tip = f"{clock(t0 + a * self.width)}-{clock(t0 + b * self.width)}"
                out.append(
                    f'<rect class="{cls}" x="{x0:.1f}" y="{top + 15}" width="{max(x1 - x0, 2):.1f}" height="11" rx="2">'
                    f"<title>{escape(tip)}</title></rect>"
                )
            for i in np.flatnonzero(self._ticks[lane]).tolist():
                n = int(self._ticks[lane, i])
                tip = f"{n:,} at {clock(t0 + i * self.width)}-{clock(t0 + (i + 1) * self.width)}"
                out.append(
                    f'<rect class="{cls}" x="{x_of(t0 + (i + 0.5) * self.width) - 1:.1f}" y="{top + 13}" width="2" '
                    f'height="15"><title>{escape(tip)}</title></rect>'
                )
        return out


def _lane_order(kind: str) -> tuple[int, str]:
    """Rule kinds in their documented order, then other kinds alphabetically, "other" last."""
    if kind == OTHER:
        return (len(RULE_TYPES) + 1, kind)
    return (RULE_TYPES.index(kind), kind) if kind in RULE_TYPES else (len(RULE_TYPES), kind)


def _true_runs(row: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[(a, b)): runs of True in ``row``."""
    padded = np.concatenate(([False], row, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))
