"""The report page: one HTML file with inline CSS and SVG, loading nothing from anywhere.

A Content-Security-Policy forbids every network load, so even a mistake in the page
cannot make a browser contact a server. Every piece of text is escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from vigil.output._timefmt import clock, duration

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

# Figures shown as cards, in order: summary key, label, format.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("frames", "Frames analysed", "int"),
    ("stream_seconds", "Stream duration", "duration"),
    ("analysis_fps", "Analysis speed", "fps"),
    ("unique_tracks", "Unique tracks", "int"),
    ("peak_people", "Peak people in view", "int"),
    ("mean_people", "Mean people in view", "float"),
    ("mean_track_duration_s", "Mean track duration", "duration"),
    ("events", "Events", "int"),
)

# Labels and formats of other well-known summary keys, listed under "Run details".
DETAILS: dict[str, tuple[str, str]] = {
    "input": ("Input", ""),
    "wall_seconds": ("Wall-clock time", "duration"),
    "speed_x": ("Speed", "speed"),
    "model": ("Detector model", ""),
    "vigil_version": ("Vigil version", ""),
    "corrupt_frames_skipped": ("Corrupt frames skipped", "int"),
    "stage_seconds": ("Seconds per stage", "seconds"),
}


def format_value(value: object, fmt: str = "") -> str:
    """A summary value as short text (not yet escaped)."""
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        v = float(value)
        if fmt == "int":
            return f"{round(v):,}"
        if fmt == "duration":
            return duration(v)
        if fmt == "fps":
            return f"{v:.1f} fps"
        if fmt == "float":
            return f"{v:.2f}"
        if fmt == "speed":
            return f"{v:.2f}x real time"
        return f"{value:,}" if isinstance(value, int) else f"{v:.4g}"
    if isinstance(value, Mapping):
        inner = "duration" if fmt == "seconds" else ""
        return ", ".join(f"{k}: {format_value(v, inner)}" for k, v in value.items()) or "\u2013"
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value) or "\u2013"
    return str(value)


@dataclass(frozen=True, slots=True)
class EventRow:
    t: float
    kind: str
    phase: str
    track_ids: tuple[int, ...]
    details: str
    confidence: float


@dataclass(frozen=True, slots=True)
class ReportPage:
    """Everything the page shows; markup fields (``*_svg``, ``*_html``) are already safe."""

    camera: str
    subtitle: str
    figures: Sequence[tuple[str, str]]
    people_svg: str
    heatmap_uri: str | None
    heatmap_empty: str | None
    heatmap_caption: str
    durations_svg: str
    durations_caption: str
    kind_counts: Mapping[str, int]
    timeline_html: str
    timeline_note: str
    occupancy_html: str
    lines_html: str
    score_html: str
    score_caption: str
    events: Sequence[EventRow]
    events_not_listed: int
    track_events: Sequence[EventRow]
    track_events_not_listed: int
    details: Sequence[tuple[str, str]]
    footer: str


STYLE = """
:root{--fg:#1f2937;--muted:#6b7280;--bg:#f6f7f9;--card:#fff;--line:#e5e7eb;--accent:#2563eb;--accent2:#93c5fd}
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--muted:#9ca3af;--bg:#111827;--card:#1f2937;
  --line:#374151;--accent:#60a5fa;--accent2:#1e3a8a}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 16px 48px}
h1{font-size:1.6rem;margin:0 0 4px} h2{font-size:1.1rem;margin:0 0 12px}
.sub{color:var(--muted);margin:0 0 20px;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-bottom:20px}
.card,section{background:var(--card);border:1px solid var(--line);border-radius:10px}
.card{padding:12px 14px}
.card .v{font-size:1.45rem;font-weight:600;font-variant-numeric:tabular-nums}
.card .k{color:var(--muted);font-size:.85rem}
section{padding:16px;margin-bottom:20px}
.chart{width:100%;height:auto;display:block}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .axis,.chart .tick{stroke:var(--muted);stroke-width:1}
.chart .lbl{fill:var(--muted);font-size:11px}
.chart .max{fill:var(--accent2);fill-opacity:.55;stroke:none}
.chart .max-key{fill:var(--accent2)} .chart .mean-key{fill:var(--accent)}
.chart .mean{fill:none;stroke:var(--accent);stroke-width:2;stroke-linejoin:round}
.chart .bar{fill:var(--accent)}
.k0{fill:#ef4444}.k1{fill:#f59e0b}.k2{fill:#10b981}.k3{fill:#3b82f6}.k4{fill:#8b5cf6}.k5{fill:#ec4899}.k6{fill:#14b8a6}.k7{fill:#64748b}
.heat{width:100%;height:auto;border-radius:6px;display:block}
.note,.empty{color:var(--muted);font-size:.9rem;margin:8px 0 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.pill{display:inline-block;padding:0 8px;border-radius:999px;background:var(--bg);border:1px solid var(--line);
  margin:0 6px 6px 0}
footer{color:var(--muted);font-size:.8rem;text-align:center}
details{margin-top:12px} summary{cursor:pointer;color:var(--muted)}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:baseline}
code{font-size:.85em;background:var(--bg);padding:0 3px;border-radius:3px}
"""


def render_page(page: ReportPage) -> str:
    e = escape
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>Vigil report \u2013 {e(page.camera)}</title>",
        f"<style>{STYLE}</style></head><body><main>",
        f"<h1>Vigil report \u2013 {e(page.camera)}</h1>",
        f'<p class="sub">{e(page.subtitle)}</p>',
        '<div class="cards">',
    ]
    for label, value in page.figures:
        out.append(f'<div class="card"><div class="v">{e(value)}</div><div class="k">{e(label)}</div></div>')
    out.append("</div>")
    out.append(f'<section><h2>People in view over time</h2>{page.people_svg}</section>')
    out.append(f'<section id="timeline"><h2>Event timeline</h2>{page.timeline_html}')
    if page.timeline_note:
        out.append(f'<p class="note">{e(page.timeline_note)}</p>')
    out.append("</section>")
    out.append(f'<section id="occupancy"><h2>Zone occupancy</h2>{page.occupancy_html}</section>')
    out.append(f'<section id="lines"><h2>Line crossings</h2>{page.lines_html}</section>')
    out.append(f'<section id="anomaly"><h2>Anomaly score over time</h2>{page.score_html}')
    if page.score_caption:
        out.append(f'<p class="note">{e(page.score_caption)}</p>')
    out.append("</section>")
    out.append("<section><h2>Where people walked</h2>")
    if page.heatmap_empty is not None:
        out.append(f'<p class="empty">{e(page.heatmap_empty)}</p>')
    if page.heatmap_uri is not None:
        out.append(f'<img class="heat" src="{e(page.heatmap_uri)}" alt="Heatmap of where people walked">')
    out.append(f'<p class="note">{e(page.heatmap_caption)}</p></section>')
    out.append(f"<section><h2>Track durations</h2>{page.durations_svg}")
    out.append(f'<p class="note">{e(page.durations_caption)}</p></section>')
    out.append(_events_section(page))
    if page.details:
        out.append("<section><h2>Run details</h2><table>")
        out.extend(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in page.details)
        out.append("</table></section>")
    out.append(f"<footer>{e(page.footer)}</footer></main></body></html>\n")
    return "\n".join(out)


def _events_section(page: ReportPage) -> str:
    e = escape
    out = ["<section><h2>Events</h2>"]
    if not page.kind_counts:
        out.append('<p class="empty">No events.</p></section>')
        return "".join(out)
    out.append("<div>")
    out.extend(f'<span class="pill">{e(k)}: {n:,}</span>' for k, n in sorted(page.kind_counts.items()))
    out.append("</div>")
    if page.events:
        out.append(_event_table(page.events, page.events_not_listed))
    else:
        out.append('<p class="empty">No behaviour events.</p>')
    if page.track_events:
        out.append(f"<details><summary>Track starts and ends (first {len(page.track_events):,})</summary>")
        out.append(_event_table(page.track_events, page.track_events_not_listed))
        out.append("</details>")
    out.append("</section>")
    return "".join(out)


def _event_table(rows: Sequence[EventRow], not_listed: int) -> str:
    e = escape
    out = ['<table><thead><tr><th>Time</th><th>Event</th><th>Phase</th><th>Tracks</th><th>Details</th>'
           "<th>Conf.</th></tr></thead><tbody>"]
    for r in rows:
        ids = ", ".join(f"#{t}" for t in r.track_ids[:12]) + (" \u2026" if len(r.track_ids) > 12 else "")
        out.append(
            f'<tr><td class="num">{e(clock(r.t))}</td><td>{e(r.kind)}</td><td>{e(r.phase)}</td>'
            f"<td>{e(ids)}</td><td>{e(r.details)}</td><td class=\"num\">{r.confidence:.2f}</td></tr>"
        )
    out.append("</tbody></table>")
    if not_listed:
        out.append(f'<p class="note">{not_listed:,} more not listed (all are in events.jsonl).</p>')
    return "".join(out)
