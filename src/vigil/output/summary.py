"""The run summary: a JSON-serialisable dict for summary.json and the report's figures."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from vigil.output.report import ReportBuilder


def redact_url(text: str) -> str:
    """Drop user and password from a URL (``rtsp://u:p@host/x`` -> ``rtsp://host/x``);
    other text is returned unchanged."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.scheme or "@" not in parts.netloc:
        return text
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def run_summary(
    report: ReportBuilder,
    *,
    input_name: str,
    wall_seconds: float,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The figures of one run.

    Keys: camera, input (credentials removed), frames, duration_s (stream seconds
    analysed), wall_s, analysis_fps (frames per wall-clock second), speed_x (stream
    seconds per wall second), unique_tracks, peak_people, mean_people,
    mean_track_duration_s, events (count per kind), then ``extra``.
    """
    s = report.stats()
    wall = max(wall_seconds, 0.0)
    out: dict[str, object] = {
        "camera": report.camera,
        "input": redact_url(input_name),
        "frames": s.frames,
        "duration_s": s.duration_s,
        "wall_s": round(wall, 3),
        "analysis_fps": round(s.frames / wall, 2) if wall > 0 else None,
        "speed_x": round(s.duration_s / wall, 3) if wall > 0 else None,
        "unique_tracks": s.unique_tracks,
        "peak_people": s.peak_people,
        "mean_people": s.mean_people,
        "mean_track_duration_s": s.mean_track_duration_s,
        "events": s.events,
    }
    if extra:
        out.update(extra)
    return out
