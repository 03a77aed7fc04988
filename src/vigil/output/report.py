"""report.html: what happened in one analysed video, from fixed-size aggregates.

:class:`ReportBuilder` is fed every frame's tracks and every event; its memory does
not grow with the length of the video: people counts and anomaly scores live in at
most ``max_bins`` time bins, positions on a fixed grid, track durations in a fixed
histogram, the event timeline in a bounded :class:`~vigil.output.timeline.EventTimeline`,
and at most ``max_listed_events`` behaviour events and as many track events are kept
for the tables. Zone occupancy and line counts come from the analytics engine at the
end of the run (both bounded there).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from vigil import __version__
from vigil.detect.classes import PERSON
from vigil.output._eventtext import event_details
from vigil.output._files import write_text_atomic
from vigil.output._timefmt import duration
from vigil.redaction import redact as redact_url
from vigil.output.aggregate import BinnedSeries, GridHeatmap, Histogram, RunningStats
from vigil.output.behaviour_charts import LineCountRow, line_counts_html, occupancy_html, score_caption, score_svg
from vigil.output.charts import heatmap_image, histogram_svg, image_data_uri, people_chart_svg
from vigil.output.lifecycle import DURATION, TRACK_END, TRACK_START
from vigil.output.overlay import SceneOverlay
from vigil.output.report_html import DETAILS, FIGURES, EventRow, ReportPage, format_value, render_page
from vigil.output.scene import SceneGeometry
from vigil.output.timeline import EventTimeline
from vigil.types import Event, Image, Tracks

if TYPE_CHECKING:
    from vigil.analytics.occupancy import OccupancySeries
    from vigil.analytics.rules import LineCounts

log = logging.getLogger(__name__)

DURATION_EDGES: tuple[float, ...] = (0, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600)
MAX_KINDS = 100
HEATMAP_MAX_WIDTH = 800
MAX_GAP = 10.0  # seconds between frames beyond which the gap does not count as analysed time


@dataclass(frozen=True, slots=True)
class ReportStats:
    """Figures computed by the builder (see :func:`vigil.output.summary.run_summary`)."""

    frames: int
    first_pts: float | None
    last_pts: float | None
    stream_seconds: float
    peak_people: int
    mean_people: float | None
    unique_tracks: int
    finished_tracks: int
    mean_track_duration_s: float | None
    events: dict[str, int] = field(default_factory=dict)


class ReportBuilder:
    """Aggregates one run for report.html.

    ``add(frame_pts, tracks)`` once per analysed frame; ``add_event(event)`` for every
    event, including the track_start/track_end events of
    :class:`~vigil.output.lifecycle.TrackLifecycle` (unique tracks and durations come
    from them); ``set_background(image)`` for the frame the heatmap is drawn over.

    Behaviour analytics: ``scene`` (zones, lines, masks) is drawn over the heatmap and
    names the zones and lines the report expects; at the end of the run
    ``set_occupancy(engine.occupancy())`` and ``set_line_counts(engine.line_counts())``;
    ``add_score(pts, score, threshold)`` for every anomaly score of a scene model.
    """

    def __init__(
        self,
        camera: str,
        width: int,
        height: int,
        *,
        max_bins: int = 2000,
        heatmap_cols: int = 96,
        max_listed_events: int = 500,
        scene: SceneGeometry | None = None,
    ) -> None:
        self.camera = camera
        self.width, self.height = width, height
        self.people = BinnedSeries(max_bins)
        self.heatmap = GridHeatmap(width, height, heatmap_cols)
        self.durations = Histogram(DURATION_EDGES)
        self.max_listed_events = max_listed_events
        self.frames = 0
        self.first_pts: float | None = None
        self.last_pts: float | None = None
        self._analysed_seconds = 0.0
        self._intervals = RunningStats()
        self._people_stats = RunningStats()
        self.kind_counts: dict[str, int] = {}
        self.events_total = 0
        self._notable = _CappedList(max_listed_events)  # events other than track start/end
        self._track_events = _CappedList(max_listed_events)
        self._background: Image | None = None
        self.scene = scene or SceneGeometry()
        self.timeline = EventTimeline()
        self.scores = BinnedSeries(max_bins)
        self.thresholds = BinnedSeries(max_bins)
        self._score_stats = RunningStats()
        self._scores_above = 0
        self._scores_skipped = 0
        self._score_peak_t: float | None = None
        self._occupancy: OccupancySeries | None = None
        self._line_counts: dict[str, LineCounts] = {}

    def set_background(self, image: Image) -> None:
        """Use ``image`` (BGR, the source frame size) under the heatmap; a reduced copy is kept."""
        h, w = image.shape[:2]
        f = min(1.0, HEATMAP_MAX_WIDTH / w)
        size = (max(1, round(w * f)), max(1, round(h * f)))
        self._background = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)

    def add(self, frame_pts: float, tracks: Tracks) -> None:
        """Record one analysed frame."""
        if self.last_pts is not None:
            gap = frame_pts - self.last_pts
            if 0 < gap <= MAX_GAP:
                self._analysed_seconds += gap
                self._intervals.add(gap)
        if self.first_pts is None:
            self.first_pts = frame_pts
        self.last_pts = frame_pts
        self.frames += 1
        self.timeline.observe(frame_pts)
        person = tracks.class_ids == PERSON
        people = int(np.count_nonzero(person))
        self.people.add(frame_pts, people)
        self._people_stats.add(people)
        if people:
            boxes = tracks.xyxy[person]
            self.heatmap.add((boxes[:, 0] + boxes[:, 2]) / 2, boxes[:, 3])

    def add_event(self, event: Event) -> None:
        self.events_total += 1
        kind = event.kind if event.kind in self.kind_counts or len(self.kind_counts) < MAX_KINDS else "other"
        self.kind_counts[kind] = self.kind_counts.get(kind, 0) + 1
        if event.kind == TRACK_END:
            value = event.attributes.get(DURATION)
            if isinstance(value, int | float):
                self.durations.add(float(value))
        (self._track_events if event.kind in (TRACK_START, TRACK_END) else self._notable).add(event)
        self.timeline.add(event)

    def add_score(self, pts: float, score: float, threshold: float) -> None:
        """Record an anomaly score at stream time ``pts`` and the threshold it is judged by.

        Scores are kept as the maximum per time bin (at most ``max_bins`` bins); a score
        or threshold that is not finite is counted as skipped.
        """
        if not (math.isfinite(score) and math.isfinite(threshold) and math.isfinite(pts)):
            self._scores_skipped += 1
            return
        if score > self._score_stats.maximum:
            self._score_peak_t = pts
        self._score_stats.add(score)
        self._scores_above += score > threshold
        self.scores.add(pts, score)
        self.thresholds.add(pts, threshold)

    def set_occupancy(self, series: OccupancySeries) -> None:
        """People per zone over time, from ``AnalyticsEngine.occupancy()`` (already bounded)."""
        self._occupancy = series

    def set_line_counts(self, counts: Mapping[str, LineCounts]) -> None:
        """In/out per class of each line_crossing rule, from ``AnalyticsEngine.line_counts()``."""
        self._line_counts = dict(counts)

    @property
    def stream_seconds(self) -> float:
        """Stream seconds analysed: the sum of frame intervals (gaps over 10 s and time
        going backwards excluded) plus one mean interval for the last frame."""
        return self._analysed_seconds + (self._intervals.mean or 0.0) if self.frames else 0.0

    def stats(self) -> ReportStats:
        d = self.durations.stats
        mean_people = self._people_stats.mean
        return ReportStats(
            frames=self.frames,
            first_pts=self.first_pts,
            last_pts=self.last_pts,
            stream_seconds=round(self.stream_seconds, 3),
            peak_people=int(self._people_stats.maximum) if self._people_stats.count else 0,
            mean_people=None if mean_people is None else round(mean_people, 3),
            unique_tracks=self.kind_counts.get(TRACK_START, 0),
            finished_tracks=d.count,
            mean_track_duration_s=None if d.mean is None else round(d.mean, 3),
            events=dict(self.kind_counts),
        )

    def notable_events(self) -> list[Event]:
        """The first ``max_listed_events`` events other than track start/end, in time order."""
        return sorted(self._notable.items, key=lambda ev: ev.t)

    def track_events(self) -> list[Event]:
        """The first ``max_listed_events`` track start/end events, in time order."""
        return sorted(self._track_events.items, key=lambda ev: ev.t)

    def write(self, path: str | Path, summary: Mapping[str, object]) -> None:
        """Write report.html. ``summary`` (e.g. from ``run_summary``) supplies the figures;
        any figure it lacks comes from :meth:`stats`; its other entries are listed as
        run details."""
        write_text_atomic(path, render_page(self._page(summary)))
        log.info("camera %s: report written to %s", self.camera, path)

    def _page(self, summary: Mapping[str, object]) -> ReportPage:
        stats = self.stats()
        values: dict[str, object] = {
            "frames": stats.frames,
            "stream_seconds": stats.stream_seconds,
            "unique_tracks": stats.unique_tracks,
            "peak_people": stats.peak_people,
            "mean_people": stats.mean_people,
            "mean_track_duration_s": stats.mean_track_duration_s,
            "events": self.events_total,
        }
        values.update(summary)
        if isinstance(values.get("input"), str):
            values["input"] = redact_url(str(values["input"]))
        figures = [(label, format_value(values.get(key), fmt)) for key, label, fmt in FIGURES if key in values]
        shown = {key for key, _, _ in FIGURES} | {"camera", "events_by_kind"}
        details = [
            (DETAILS.get(k, (k, ""))[0], format_value(values[k], DETAILS.get(k, (k, ""))[1]))
            for k in summary if k not in shown
        ]

        heatmap_uri = self._heatmap_uri()
        d = self.durations.stats
        durations_caption = (
            f"{d.count:,} finished tracks; mean {duration(d.total / d.count)}, "
            f"shortest {duration(d.minimum)}, longest {duration(d.maximum)}."
            if d.count else "Durations come from track_end events."
        )

        t_lo = self.people.t0 if self.people.t0 is not None else 0.0
        t_hi = t_lo + self.people.width * max(1, len(self.people))
        if self.scores.t0 is not None:
            t_lo = min(t_lo, self.scores.t0) if self.people.t0 is not None else self.scores.t0
            t_hi = max(t_hi, self.scores.t0 + self.scores.width * len(self.scores))
        generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        source = values.get("input")
        subtitle = f"{source} \u2013 generated {generated}" if source else f"Generated {generated}"
        heatmap_caption = (
            f"Bottom-centre of person boxes, {self.heatmap.points:,} observations on a "
            f"{self.heatmap.cols}x{self.heatmap.rows} grid (square-root colour scale)."
        )
        if self.scene:
            heatmap_caption += " Zones are outlined; lines point to their \"in\" side; masked areas are hatched."
        return ReportPage(
            camera=str(values.get("camera", self.camera)),
            subtitle=subtitle,
            figures=figures,
            people_svg=people_chart_svg(
                self.people.starts(), self.people.width, self.people.means(), self.people.maxima(),
                max_gap=max(3 * (self._intervals.mean or 0.0), 2 * self.people.width),
            ),
            heatmap_uri=heatmap_uri,
            heatmap_empty=None if self.heatmap.points else "No people were tracked.",
            heatmap_caption=heatmap_caption,
            durations_svg=histogram_svg(self.durations.edges, self.durations.counts()),
            durations_caption=durations_caption,
            kind_counts=self.kind_counts,
            timeline_html=self.timeline.svg(t_lo, t_hi),
            timeline_note=self.timeline.note(),
            occupancy_html=self._occupancy_html(t_lo, t_hi),
            lines_html=self._lines_html(),
            score_html=score_svg(
                self.scores.starts(), self.scores.width, self.scores.maxima(), self.thresholds.maxima(), t_lo, t_hi
            ),
            score_caption=score_caption(
                self._score_stats.count, self._scores_above, self._score_stats.maximum if self._score_stats.count
                else None, self._score_peak_t, self._scores_skipped,
            ),
            events=_rows(self.notable_events()),
            events_not_listed=self._notable.dropped,
            track_events=_rows(self.track_events()),
            track_events_not_listed=self._track_events.dropped,
            details=details,
            footer=f"Generated by Vigil {__version__}. This file is self-contained and loads nothing from the network.",
        )

    def _heatmap_uri(self) -> str | None:
        """The heatmap over the background, with the scene drawn on it; None when there is nothing to show."""
        has_scene_view = bool(self.scene) and self._background is not None
        if not self.heatmap.points and not has_scene_view:
            return None
        f = min(1.0, HEATMAP_MAX_WIDTH / self.width)
        size = (max(1, round(self.width * f)), max(1, round(self.height * f)))
        image = heatmap_image(self.heatmap.grid(), size, self._background)
        if self.scene:
            scale = float(np.clip(size[1] / 720.0, 0.5, 1.5))
            SceneOverlay(self.scene, size, scale=scale, fill_alpha=0.0).draw(image)
        return image_data_uri(image, photo=self._background is not None)

    def _occupancy_html(self, t_lo: float, t_hi: float) -> str:
        occ = self._occupancy
        names = [z.name for z in self.scene.zones] or (list(occ.counts) if occ is not None else [])
        if occ is None:
            return occupancy_html(names, None, None, 1, t_lo, t_hi)
        return occupancy_html(names, occ.times, occ.counts, occ.frames_per_row, t_lo, t_hi)

    def _lines_html(self) -> str:
        names = [ln.name for ln in self.scene.lines] or sorted({c.line for c in self._line_counts.values()})
        rules = [(rule, c.line) for rule, c in self._line_counts.items()]
        rows = [
            LineCountRow(rule, c.line, cls, c.inbound.get(cls, 0), c.outbound.get(cls, 0))
            for rule, c in self._line_counts.items()
            for cls in sorted(set(c.inbound) | set(c.outbound))
        ]
        return line_counts_html(names, rows, rules)


class _CappedList:
    """The first ``cap`` items added, and how many more were dropped."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[Event] = []
        self.dropped = 0

    def add(self, event: Event) -> None:
        if len(self.items) < self.cap:
            self.items.append(event)
        else:
            self.dropped += 1


def _rows(events: list[Event]) -> list[EventRow]:
    return [EventRow(ev.t, ev.kind, ev.phase, ev.track_ids, event_details(ev), ev.confidence) for ev in events]
