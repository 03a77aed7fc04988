"""Small hand-written SVG charts and the heatmap image, for the self-contained report.

Every function returns markup with all text escaped; nothing refers to anything
outside the page (no xmlns URL is needed for SVG inlined in HTML5).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from html import escape

import cv2
import numpy as np
import numpy.typing as npt

from vigil.output._timefmt import clock
from vigil.types import Image

W, H = 900, 240
PAD_L, PAD_R, PAD_T, PAD_B = 48, 16, 12, 30
MID = 'text-anchor="middle"'
NICE_TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def nice_step(span: float, target: int) -> float:
    """A 1/2/5 x 10^k step giving about ``target`` ticks over ``span``."""
    raw = span / max(1, target)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _time_step(span: float, target: int = 8) -> float:
    raw = span / target
    return next((s for s in NICE_TIME_STEPS if s >= raw), NICE_TIME_STEPS[-1] * math.ceil(raw / NICE_TIME_STEPS[-1]))


def num_text(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def svg_open(title: str, w: int = W, h: int = H) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title>'
    )


def time_axis(t_lo: float, t_hi: float, x_of: Callable[[float], float], y: float) -> list[str]:
    out = [f'<line class="axis" x1="{PAD_L}" y1="{y}" x2="{W - PAD_R}" y2="{y}"/>']
    step = _time_step(t_hi - t_lo)
    t = math.ceil(t_lo / step) * step
    while t <= t_hi + 1e-9:
        x = x_of(t)
        out.append(f'<line class="tick" x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 4}"/>')
        out.append(f'<text class="lbl" x="{x:.1f}" y="{y + 17}" text-anchor="middle">{clock(t, 0)}</text>')
        t += step
    return out


def people_chart_svg(
    starts: npt.NDArray[np.float64],
    width: float,
    means: npt.NDArray[np.float64],
    maxima: npt.NDArray[np.float64],
    max_gap: float = 0.0,
) -> str:
    """Line chart of people per bin: the maximum as a shaded step area, the mean as a
    line. Empty bins (NaN) are bridged when the gap is at most ``max_gap`` seconds
    (bins finer than the frame interval), and break the line otherwise."""
    if starts.size == 0:
        return '<p class="empty">No frames analysed.</p>'
    t_lo, t_hi = float(starts[0]), float(starts[-1] + width)
    top = float(np.nanmax(maxima)) if np.any(np.isfinite(maxima)) else 0.0
    ystep = max(1.0, nice_step(top, 4))  # whole people
    y_hi = max(ystep, math.ceil(top / ystep) * ystep)
    plot_w, plot_h = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    base = PAD_T + plot_h

    def x_of(t: float) -> float:
        return PAD_L + (t - t_lo) / (t_hi - t_lo) * plot_w

    def y_of(v: float) -> float:
        return base - v / y_hi * plot_h

    parts = [svg_open("People in view over time")]
    v = 0.0
    while v <= y_hi + 1e-9:
        y = y_of(v)
        parts.append(f'<line class="grid" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}"/>')
        parts.append(f'<text class="lbl" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{num_text(v)}</text>')
        v += ystep
    area, line = [], []
    for run in _runs(starts, means, max_gap + 1e-9):
        xs = [(x_of(t), x_of(t + width)) for t in starts[run].tolist()]
        tops = [y_of(m) for m in maxima[run].tolist()]
        step = "".join(f"L{x0:.1f},{y:.1f}L{x1:.1f},{y:.1f}" for (x0, x1), y in zip(xs, tops, strict=True))
        area.append(f"M{xs[0][0]:.1f},{base:.1f}{step}L{xs[-1][1]:.1f},{base:.1f}Z")
        mids = [f"{(x0 + x1) / 2:.1f},{y_of(m):.1f}" for (x0, x1), m in zip(xs, means[run].tolist(), strict=True)]
        line.append("M" + "L".join(mids))
    if area:
        parts.append(f'<path class="max" d="{"".join(area)}"/>')
        parts.append(f'<path class="mean" d="{"".join(line)}"/>')
    parts.extend(time_axis(t_lo, t_hi, x_of, base))
    parts.append(
        f'<g class="legend"><rect class="max-key" x="{W - 210}" y="{PAD_T}" width="12" height="6"/>'
        f'<text class="lbl" x="{W - 194}" y="{PAD_T + 7}">max</text>'
        f'<rect class="mean-key" x="{W - 160}" y="{PAD_T + 2}" width="12" height="3"/>'
        f'<text class="lbl" x="{W - 144}" y="{PAD_T + 7}">mean per {escape(bin_label(width))}</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _runs(
    starts: npt.NDArray[np.float64], values: npt.NDArray[np.float64], max_gap: float
) -> list[npt.NDArray[np.int64]]:
    """Indices of non-empty bins, split where more than ``max_gap`` seconds of empty
    bins lie between consecutive ones."""
    idx = np.flatnonzero(np.isfinite(values))
    if idx.size == 0:
        return []
    width = float(starts[1] - starts[0]) if starts.size > 1 else 0.0
    breaks = np.flatnonzero(np.diff(starts[idx]) - width > max(max_gap, 0.0))
    return np.split(idx, breaks + 1)


def bin_label(width: float) -> str:
    return f"{width:.3g} s" if width < 60 else f"{width / 60:.3g} min"


def histogram_svg(edges: npt.NDArray[np.float64], counts: npt.NDArray[np.int64], unit: str = "s") -> str:
    """Bar chart of a fixed-edge histogram; the last bin is labelled ``>= edge``."""
    if int(counts.sum()) == 0:
        return '<p class="empty">No finished tracks.</p>'
    h = 220
    n = len(counts)
    plot_w, plot_h = W - PAD_L - PAD_R, h - PAD_T - PAD_B - 6
    base = PAD_T + plot_h
    top = int(counts.max())
    ystep = max(1.0, nice_step(top, 4))  # whole tracks
    y_hi = max(ystep, math.ceil(top / ystep) * ystep)
    bw = plot_w / n
    parts = [svg_open("Track duration histogram", h=h)]
    v = 0.0
    while v <= y_hi + 1e-9:
        y = base - v / y_hi * plot_h
        parts.append(f'<line class="grid" x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}"/>')
        parts.append(f'<text class="lbl" x="{PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end">{num_text(v)}</text>')
        v += ystep
    for i, c in enumerate(counts.tolist()):
        lo = num_text(float(edges[i]))
        label = f"{lo}-{num_text(float(edges[i + 1]))}" if i + 1 < n else f"\u2265{lo}"
        x = PAD_L + i * bw
        bh = c / y_hi * plot_h
        parts.append(
            f'<rect class="bar" x="{x + 2:.1f}" y="{base - bh:.1f}" width="{bw - 4:.1f}" height="{bh:.1f}">'
            f"<title>{escape(label)} {escape(unit)}: {c}</title></rect>"
        )
        if c:
            parts.append(f'<text class="lbl" x="{x + bw / 2:.1f}" y="{base - bh - 4:.1f}" {MID}>{c}</text>')
        parts.append(f'<text class="lbl" x="{x + bw / 2:.1f}" y="{base + 16}" {MID}>{escape(label)}</text>')
    parts.append(f'<line class="axis" x1="{PAD_L}" y1="{base}" x2="{W - PAD_R}" y2="{base}"/>')
    parts.append(f'<text class="lbl" x="{W - PAD_R}" y="{h - 2}" text-anchor="end">{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap_image(grid: npt.NDArray[np.float64], size: tuple[int, int], background: Image | None) -> Image:
    """Colour-map ``grid`` (counts) to a ``size`` = (w, h) BGR image, blended over
    ``background`` where people were seen (a dark canvas without one)."""
    w, h = size
    smooth = cv2.GaussianBlur(grid.astype(np.float32), (0, 0), 1.0)
    seen = smooth[smooth > 1e-6]
    # the 99th percentile, not the maximum, maps to full colour: one object that
    # stood still all along would otherwise leave every walkway faint
    ref = float(np.percentile(seen, 99)) if seen.size else 0.0
    norm = np.sqrt(np.clip(smooth / ref, 0.0, 1.0)) if ref > 0 else np.zeros_like(smooth)
    level = np.clip(cv2.resize(norm, (w, h), interpolation=cv2.INTER_CUBIC), 0.0, 1.0)
    colour = cv2.applyColorMap((level * 255).astype(np.uint8), cv2.COLORMAP_TURBO)
    if background is None:
        canvas = np.full((h, w, 3), 24, np.uint8)
    else:
        bg = cv2.resize(background, (w, h), interpolation=cv2.INTER_AREA)
        grey = cv2.cvtColor(bg, cv2.COLOR_BGR2GRAY) // 2 + 40  # dimmed, so that colours stand out
        canvas = np.asarray(cv2.cvtColor(grey.astype(np.uint8), cv2.COLOR_GRAY2BGR), np.uint8)
    alpha = np.where(level < 0.04, 0.0, np.clip(0.35 + level, 0.0, 0.85))[..., None]
    out: Image = (canvas * (1 - alpha) + colour * alpha).astype(np.uint8)
    return out


def image_data_uri(image: Image, photo: bool = False) -> str:
    """``image`` as a data URI: PNG, or JPEG (q 85) for photographic content, where
    PNG would be about ten times larger."""
    ext, mime, params = (".jpg", "image/jpeg", [cv2.IMWRITE_JPEG_QUALITY, 85]) if photo else (
        ".png", "image/png", [cv2.IMWRITE_PNG_COMPRESSION, 6])
    ok, buf = cv2.imencode(ext, image, params)
    if not ok:
        raise ValueError(f"{mime} encoding of the heatmap failed")
    return f"data:{mime};base64," + base64.b64encode(buf.tobytes()).decode("ascii")
