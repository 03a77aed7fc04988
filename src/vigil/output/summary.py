"""The run summary: a JSON-serialisable dict for summary.json and the report's figures."""

from __future__ import annotations

from collections.abc import Mapping

from vigil.redaction import redact as redact_url
from vigil.output.report import ReportBuilder

__all__ = ["redact_url", "run_summary"]


def run_summary(
    report: ReportBuilder,
    *,
    input_name: str,
    wall_seconds: float,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The figures of one run.

    Keys: camera, input (credentials removed), frames, stream_seconds (stream time
    analysed), wall_seconds, analysis_fps (frames per wall-clock second), speed_x
    (stream seconds per wall second), unique_tracks, peak_people, mean_people,
    mean_track_duration_s, events (count), events_by_kind, then ``extra``.
    """
    s = report.stats()
    wall = max(wall_seconds, 0.0)
    out: dict[str, object] = {
        "camera": report.camera,
        "input": redact_url(input_name),
        "frames": s.frames,
        "stream_seconds": s.stream_seconds,
        "wall_seconds": round(wall, 3),
        "analysis_fps": round(s.frames / wall, 2) if wall > 0 else None,
        "speed_x": round(s.stream_seconds / wall, 3) if wall > 0 else None,
        "unique_tracks": s.unique_tracks,
        "peak_people": s.peak_people,
        "mean_people": s.mean_people,
        "mean_track_duration_s": s.mean_track_duration_s,
        "events": report.events_total,
        "events_by_kind": s.events,
    }
    if extra:
        out.update(extra)
    return out
