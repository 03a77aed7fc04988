"""Report sections for behaviour analytics: zone occupancy, line crossings, anomaly score.

Each function returns safe markup (an SVG chart, a table, or an empty-state
paragraph); all text is escaped. Time charts share the x range of the people chart
so that they line up on the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt

from vigil.output._timefmt import clock
from vigil.output.charts import PAD_B, PAD_L, PAD_R, PAD_T, H, W, bin_label, nice_step, num_text, svg_open, time_axis
from vigil.output.scene import zone_colour

MAX_POINTS = 600
"""Most steps drawn per occupancy line (rows are merged, keeping the maximum, beyond that)."""
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ZoneSummary:
    """Figures of one zone's occupancy: peak, time-weighted mean, share of time occupied."""

    name: str
    peak: int
    mean: float
    occupied_share: float


def _grid(parts: list[str], y_hi: float, ystep: float, y_of: Callable[[float], float]) -> None:
    v = 0.0
    while v <= y_hi + 1e-9:
        y = y_of(v)
        parts.append(f'<line class="grid" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}"/>')
        parts.append(f'<text class="lbl" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{num_text(v)}</text>')
        v += ystep


def _row_ends(times: F64, t_hi: float) -> F64:
    """When each occupancy row stops holding: the next row's time; the last one at ``t_hi`` or one step on."""
    if times.size == 0:
        return times
    step = float(np.median(np.diff(times))) if times.size > 1 else 0.0
    last = max(float(times[-1]) + step, min(t_hi, float(times[-1]) + 10 * max(step, 1e-3)))
    return np.append(times[1:], last)


def _reduce_max(times: F64, values: npt.NDArray[np.integer], n: int) -> tuple[F64, F64]:
    """At most ``n`` rows: consecutive rows merged, keeping the first time and the maximum value."""
    if times.size <= n:
        return times, values.astype(np.float64)
    k = math.ceil(times.size / n)
    pad = (-times.size) % k
    v = np.concatenate((values.astype(np.float64), np.full(pad, -np.inf))).reshape(-1, k).max(axis=1)
    return times[::k], v


def zone_summaries(times: F64, counts: Mapping[str, npt.NDArray[np.integer]], t_hi: float) -> list[ZoneSummary]:
    ends = _row_ends(times, t_hi)
    dt = np.maximum(ends - times, 0.0)
    total = float(dt.sum())
    out = []
    for name, c in counts.items():
        cf = np.asarray(c, np.float64)
        peak = int(cf.max()) if cf.size else 0
        mean = float((cf * dt).sum() / total) if total > 0 else (float(cf.mean()) if cf.size else 0.0)
        share = float(dt[cf > 0].sum() / total) if total > 0 else 0.0
        out.append(ZoneSummary(name, peak, mean, share))
    return out


def occupancy_html(
    zone_names: Sequence[str],
    times: F64 | None,
    counts: Mapping[str, npt.NDArray[np.integer]] | None,
    frames_per_row: int,
    t_lo: float,
    t_hi: float,
) -> str:
    """Step lines of people per zone over time (zone colours as in the video) and a summary table."""
    if not zone_names:
        return '<p class="empty">No zones configured (add them under <code>zones</code> in the config).</p>'
    if times is None or counts is None or times.size == 0:
        return '<p class="empty">No occupancy was recorded (no frames were analysed).</p>'
    if t_hi <= t_lo:
        t_hi = t_lo + 1.0
    colours = {n: zone_colour(i) for i, n in enumerate(zone_names)}
    top = max((int(np.max(c)) for c in counts.values() if len(c)), default=0)
    ystep = max(1.0, nice_step(top, 4))
    y_hi = max(ystep, math.ceil(top / ystep) * ystep)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    base = PAD_T + plot_h

    def x_of(t: float) -> float:
        return PAD_L + (min(max(t, t_lo), t_hi) - t_lo) / (t_hi - t_lo) * plot_w

    def y_of(v: float) -> float:
        return base - v / y_hi * plot_h

    parts = [svg_open("People per zone over time")]
    _grid(parts, y_hi, ystep, y_of)
    for name, c in counts.items():
        ts, vs = _reduce_max(times, np.asarray(c), MAX_POINTS)
        ends = _row_ends(ts, t_hi)
        d = [f"M{x_of(float(ts[0])):.1f},{y_of(float(vs[0])):.1f}"]
        for t1, v in zip(ends.tolist(), vs.tolist(), strict=True):
            d.append(f"V{y_of(v):.1f}H{x_of(t1):.1f}")
        parts.append(
            f'<path d="{"".join(d)}" fill="none" stroke="{colours.get(name, "#64748b")}" stroke-width="2" '
            f'stroke-linejoin="round"><title>{escape(name)}</title></path>'
        )
    parts.extend(time_axis(t_lo, t_hi, x_of, base))
    x = W - PAD_R - 8
    for name in reversed(list(counts)):  # legend, right-aligned
        label = escape(name)
        x -= 12 + 7 * len(name) + 18
        parts.append(
            f'<rect x="{x}" y="{PAD_T}" width="12" height="4" fill="{colours.get(name, "#64748b")}"/>'
            f'<text class="lbl" x="{x + 16}" y="{PAD_T + 6}">{label}</text>'
        )
    parts.append("</svg>")
    rows = "".join(
        f'<tr><td><span class="swatch" style="background:{colours.get(s.name, "#64748b")}"></span>'
        f'{escape(s.name)}</td><td class="num">{s.peak:,}</td><td class="num">{s.mean:.2f}</td>'
        f'<td class="num">{100 * s.occupied_share:.0f}%</td></tr>'
        for s in zone_summaries(times, counts, t_hi)
    )
    note = (
        f'<p class="note">Each step is the largest count over {frames_per_row:,} consecutive frames.</p>'
        if frames_per_row > 1 else ""
    )
    table = ("<table><thead><tr><th>Zone</th><th>Peak people</th><th>Mean people</th><th>Time occupied</th>"
             f"</tr></thead><tbody>{rows}</tbody></table>")  # fmt: skip
    return "".join(parts) + table + note


@dataclass(frozen=True, slots=True)
class LineCountRow:
    """In/out counts of one line_crossing rule (the line it watches) for one class."""

    rule: str
    line: str
    cls: str
    inbound: int
    outbound: int


def line_counts_html(line_names: Sequence[str], rows: Sequence[LineCountRow], rules: Sequence[tuple[str, str]]) -> str:
    """Bars of in/out per line_crossing rule and a per-class table.

    rules: (rule name, line name) of every line_crossing rule, in order (those with no
    crossing still show, with zeros); rows: the per-class counts.
    """
    if not line_names:
        return '<p class="empty">No lines configured (add them under <code>lines</code> in the config).</p>'
    if not rules:
        return (
            '<p class="empty">No line_crossing rule counts these lines (add one under <code>rules</code>, '
            "e.g. <code>{type: line_crossing, line: NAME}</code>).</p>"
        )
    totals = {r: [0, 0] for r, _ in rules}
    for row in rows:
        t = totals.setdefault(row.rule, [0, 0])
        t[0] += row.inbound
        t[1] += row.outbound
    top = max([max(v) for v in totals.values()] + [1])
    bar_h, gap = 12, 14
    label_w = 230
    h = PAD_T + len(rules) * (2 * bar_h + gap) + 8
    scale = (W - label_w - PAD_R - 60) / top
    parts = [svg_open("Line crossings in and out", h=h)]
    y = PAD_T
    for rule, line in rules:
        i, o = totals.get(rule, [0, 0])
        name = line if rule == line else f"{line} ({rule})"
        parts.append(f'<text class="lbl" x="{label_w - 8}" y="{y + bar_h + 3}" text-anchor="end">'
                     f"{escape(name[:40])}</text>")  # fmt: skip
        for k, (what, v, colour) in enumerate((("in", i, "#3b82f6"), ("out", o, "#f59e0b"))):
            yy = y + k * bar_h
            wv = max(v * scale, 1.0 if v else 0.0)
            parts.append(
                f'<rect x="{label_w}" y="{yy + 1}" width="{wv:.1f}" height="{bar_h - 2}" fill="{colour}">'
                f"<title>{escape(name)} {what}: {v:,}</title></rect>"
                f'<text class="lbl" x="{label_w + wv + 4:.1f}" y="{yy + bar_h - 2}">{what} {v:,}</text>'
            )
        y += 2 * bar_h + gap
    parts.append("</svg>")
    body = "".join(
        f"<tr><td>{escape(r.line)}</td><td>{escape(r.rule)}</td><td>{escape(r.cls)}</td>"
        f'<td class="num">{r.inbound:,}</td><td class="num">{r.outbound:,}</td>'
        f'<td class="num">{r.inbound + r.outbound:,}</td></tr>'
        for r in rows
    )
    if not rows:
        body = '<tr><td colspan="6" class="empty">No crossings.</td></tr>'
    table = ("<table><thead><tr><th>Line</th><th>Rule</th><th>Class</th><th>In</th><th>Out</th><th>Total</th>"
             f"</tr></thead><tbody>{body}</tbody></table>")  # fmt: skip
    note = (
        '<p class="note">"In": a crossing from the left of the line to its right, as seen going from its first '
        "point to its second (the arrow in the video and on the heatmap).</p>"
    )
    return "".join(parts) + table + note


def score_svg(starts: F64, width: float, maxima: F64, thresholds: F64, t_lo: float, t_hi: float) -> str:
    """The largest anomaly score per time bin (a step area; red where it exceeds the
    threshold) with the threshold as a dashed line."""
    if starts.size == 0 or not np.any(np.isfinite(maxima)):
        return '<p class="empty">No anomaly scores: the learned scene model did not run.</p>'
    if t_hi <= t_lo:
        t_hi = t_lo + 1.0
    finite = np.concatenate((maxima[np.isfinite(maxima)], thresholds[np.isfinite(thresholds)]))
    lo, hi = min(0.0, float(finite.min())), float(finite.max())
    ystep = nice_step(max(hi - lo, 1e-9), 4)
    y_lo = math.floor(lo / ystep) * ystep
    y_hi = max(y_lo + ystep, math.ceil(hi * 1.05 / ystep) * ystep)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    base = PAD_T + plot_h

    def x_of(t: float) -> float:
        return PAD_L + (min(max(t, t_lo), t_hi) - t_lo) / (t_hi - t_lo) * plot_w

    def y_of(v: float) -> float:
        return base - (v - y_lo) / (y_hi - y_lo) * plot_h

    parts = [svg_open("Anomaly score over time")]
    v = y_lo
    while v <= y_hi + 1e-9:
        y = y_of(v)
        parts.append(f'<line class="grid" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}"/>')
        parts.append(f'<text class="lbl" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.3g}</text>')
        v += ystep
    y0 = y_of(max(y_lo, 0.0)) if y_lo < 0 else base
    area: list[str] = []
    hot: list[str] = []
    thr: list[str] = []
    for t, m, th in zip(starts.tolist(), maxima.tolist(), thresholds.tolist(), strict=True):
        if not math.isfinite(m):
            continue
        x0, x1 = x_of(t), x_of(t + width)
        rect = f"M{x0:.1f},{y0:.1f}V{y_of(m):.1f}H{x1:.1f}V{y0:.1f}Z"
        (hot if math.isfinite(th) and m > th else area).append(rect)
        if math.isfinite(th):
            thr.append(f"M{x0:.1f},{y_of(th):.1f}H{x1:.1f}")
    if area:
        parts.append(f'<path class="max" d="{"".join(area)}"/>')
    if hot:
        parts.append(f'<path d="{"".join(hot)}" fill="#ef4444" fill-opacity="0.75"/>')
    if thr:
        parts.append(
            f'<path d="{"".join(thr)}" fill="none" stroke="#ef4444" stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    parts.extend(time_axis(t_lo, t_hi, x_of, base))
    parts.append(
        f'<g class="legend"><rect class="max-key" x="{W - 290}" y="{PAD_T}" width="12" height="6"/>'
        f'<text class="lbl" x="{W - 274}" y="{PAD_T + 7}">max per {escape(bin_label(width))}</text>'
        f'<rect x="{W - 160}" y="{PAD_T + 2}" width="12" height="2" fill="#ef4444"/>'
        f'<text class="lbl" x="{W - 144}" y="{PAD_T + 7}">threshold (red: above)</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


def score_caption(samples: int, above: int, peak: float | None, peak_t: float | None, skipped: int) -> str:
    if samples == 0:
        return ""
    text = f"{samples:,} scores, {above:,} ({100 * above / samples:.1f}%) above the threshold"
    if peak is not None and peak_t is not None:
        text += f"; peak {peak:.3g} at {clock(peak_t)}"
    if skipped:
        text += f"; {skipped:,} non-finite scores ignored"
    return text + "."

