"""report.html's behaviour sections, fed by a real AnalyticsEngine over synthetic tracks."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from vigil.analytics import AnalyticsEngine
from vigil.config import AnalysisConfig, parse_yaml
from vigil.output import ReportBuilder, TrackLifecycle
from vigil.output.scene import SceneGeometry, hex_to_bgr, zone_colour
from vigil.types import Event, Tracks

from .test_report import parse

W, H, FPS, SECONDS = 640, 480, 10.0, 30.0
CONFIG = """
camera: lobby
zones:
  - name: hall
    points: [[0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [0.0, 1.0]]
lines:
  - name: door
    points: [[0.75, 0.0], [0.75, 1.0]]
rules:
  - {type: intrusion, zone: hall, min_duration: 0.5, end_after: 1.0}
  - {type: zone_enter, zone: hall}
  - {type: line_crossing, line: door}
"""


def scene_tracks(t: float) -> Tracks:
    """Person 1 stands in the hall from 2 s to 12 s; person 2 walks right to left across the
    door line (0-10 s), person 3 left to right (15-25 s); a car right to left (5-15 s)."""
    boxes, ids, classes = [], [], []
    if 2.0 <= t < 12.0:
        boxes.append((80, 300, 120, 400))  # feet (100, 400): in the hall
        ids.append(1)
        classes.append(0)
    if t < 10.0:
        x = 600 - 30 * t
        boxes.append((x - 20, 100, x + 20, 200))
        ids.append(2)
        classes.append(0)
    if 15.0 <= t < 25.0:
        x = 300 + 30 * (t - 15)
        boxes.append((x - 20, 100, x + 20, 200))
        ids.append(3)
        classes.append(0)
    if 5.0 <= t < 15.0:
        x = 620 - 30 * (t - 5)
        boxes.append((x - 40, 40, x + 40, 100))
        ids.append(4)
        classes.append(2)
    n = len(ids)
    return Tracks(np.array(boxes, np.float32).reshape(-1, 4), np.array(ids), np.full(n, 0.9, np.float32),
                  np.array(classes))  # fmt: skip


@pytest.fixture(scope="module")
def run() -> tuple[ReportBuilder, list[Event]]:
    cfg = parse_yaml(CONFIG, AnalysisConfig)
    engine = AnalyticsEngine.from_config(cfg)
    report = ReportBuilder(cfg.camera, W, H, scene=SceneGeometry.from_config(cfg))
    life = TrackLifecycle(cfg.camera)
    events: list[Event] = []
    seen: set[int] = set()
    for i in range(int(SECONDS * FPS)):
        t = i / FPS
        tracks = scene_tracks(t)
        ids = set(tracks.track_ids.tolist())
        gone = sorted(seen - ids)
        seen = ids
        frame_events = life.update(t, tracks, gone) + engine.evaluate(tracks, t, (W, H))
        for e in frame_events:
            report.add_event(e)
        report.add(t, tracks)
        report.add_score(t, 0.9 if 20.0 <= t < 21.0 else 0.2, 0.5)
        events += frame_events
    for e in engine.close(SECONDS - 1 / FPS) + life.close():
        report.add_event(e)
        events.append(e)
    report.set_occupancy(engine.occupancy())
    report.set_line_counts(engine.line_counts())
    return report, events


@pytest.fixture(scope="module")
def html(run: tuple[ReportBuilder, list[Event]], tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report") / "report.html"
    run[0].write(path, {})
    text = path.read_text(encoding="utf-8")
    parse(text)  # well-formed
    return text


def section(html: str, ident: str) -> str:
    m = re.search(rf'<section id="{ident}">(.*?)</section>', html, re.S)
    assert m, ident
    return m.group(1)


def test_the_engine_saw_what_the_scene_scripted(run: tuple[ReportBuilder, list[Event]]) -> None:
    _, events = run
    crossings = [(e.track_ids[0], e.attributes["direction"]) for e in events if e.kind == "line_crossing"]
    assert sorted(crossings) == [(2, "in"), (3, "out"), (4, "in")]
    intrusion = [e for e in events if e.kind == "intrusion" and e.phase in ("start", "end")]
    assert [e.phase for e in intrusion] == ["start", "end"]


def test_timeline_draws_the_intrusion_bar_and_crossing_ticks(run: tuple[ReportBuilder, list[Event]], html: str) -> None:
    report, events = run
    start, end = (e for e in events if e.kind == "intrusion" and e.phase in ("start", "end"))
    part = section(html, "timeline")
    assert "<svg" in part and "intrusion (1 lasting)" in part and "line_crossing (3 instant)" in part
    onset, stop = start.started, end.t
    assert onset is not None and 2.0 <= onset <= 2.6 and 12.0 < stop < 13.5
    assert f"intrusion 0:0{onset:.1f}-0:{stop:04.1f}" in part
    plot = 900 - 48 - 16
    t_hi = report.people.width * len(report.people)  # the people chart's range, from 0 s
    assert t_hi == pytest.approx(SECONDS, abs=0.2)
    x = re.search(r'<rect class="k\d" fill-opacity="0.8" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="11" '
                  r'rx="3"><title>intrusion', part)  # fmt: skip
    assert x is not None
    assert float(x.group(1)) == pytest.approx(48 + onset / t_hi * plot, abs=0.1)
    assert float(x.group(2)) == pytest.approx((stop - onset) / t_hi * plot, abs=0.1)
    assert len(re.findall(r'width="2" height="15"><title>line_crossing', part)) == 3


def test_occupancy_section_has_the_zone_curve_and_figures(html: str) -> None:
    part = section(html, "occupancy")
    assert "<svg" in part and zone_colour(0) in part
    # person 1 is in the hall for 10 s of 30, alone
    assert re.search(r"hall</td><td class=\"num\">1</td><td class=\"num\">0.33</td><td class=\"num\">33%</td>", part)


def test_line_section_counts_in_and_out_per_class(html: str) -> None:
    part = section(html, "lines")
    rows = re.findall(r"<tr><td>door</td><td>line_crossing</td><td>(\w+)</td><td class=\"num\">(\d+)</td>"
                      r"<td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td></tr>", part)  # fmt: skip
    assert rows == [("car", "1", "0", "1"), ("person", "1", "1", "2")]
    assert ">in 2</text>" in part and ">out 1</text>" in part  # the bars: totals over classes


def test_anomaly_score_section_has_bins_threshold_and_figures(
    run: tuple[ReportBuilder, list[Event]], html: str
) -> None:
    part = section(html, "anomaly")
    assert "<svg" in part and 'stroke-dasharray="5 3"' in part and 'fill="#ef4444" fill-opacity="0.75"' in part
    assert "300 scores, 10 (3.3%) above the threshold; peak 0.9 at 0:20.0." in part
    report = run[0]
    hot = report.scores.maxima() > report.thresholds.maxima()
    starts = report.scores.starts()[hot]
    assert starts.min() == pytest.approx(20.0) and starts.max() < 21.0


def test_heatmap_shows_the_zone_outline(run: tuple[ReportBuilder, list[Event]], html: str) -> None:
    (uri,) = re.findall(r'src="data:image/png;base64,([^"]+)"', html)  # no background: a lossless PNG
    img = cv2.imdecode(np.frombuffer(base64.b64decode(uri), np.uint8), cv2.IMREAD_COLOR)
    assert img.shape[:2] == (H, W)
    for x in (60, 200, 300):  # the zone's top edge, y = 0.5
        assert tuple(int(v) for v in img[H // 2, x]) == pytest.approx(hex_to_bgr(zone_colour(0)), abs=25)
    assert tuple(int(v) for v in img[H // 2, 400]) != pytest.approx(hex_to_bgr(zone_colour(0)), abs=25)


def test_scores_are_binned_in_fixed_memory_keeping_the_maximum() -> None:
    report = ReportBuilder("cam", 160, 120, max_bins=100)
    for i in range(100_000):
        report.add_score(i * 0.04, 5.0 if i == 77_777 else 1.0, 3.0)
    report.add_score(1.0, float("nan"), 3.0)
    assert len(report.scores) <= 100 and report.scores.counts().sum() == 100_000
    assert float(np.nanmax(report.scores.maxima())) == 5.0
    peak_bin = int(np.nanargmax(report.scores.maxima()))
    assert report.scores.starts()[peak_bin] <= 77_777 * 0.04 < report.scores.starts()[peak_bin] + report.scores.width
    page = report._page({})
    assert "100,000 scores, 1 (0.0%) above the threshold; peak 5 at 51:51.1; 1 non-finite scores ignored." in (
        page.score_caption
    )


def test_empty_states(tmp_path: Path) -> None:
    report = ReportBuilder("cam", 160, 120)
    report.add(0.0, Tracks.empty())
    report.write(tmp_path / "r.html", {})
    html = (tmp_path / "r.html").read_text()
    parse(html)
    assert "No zones configured" in section(html, "occupancy")
    assert "No lines configured" in section(html, "lines")
    assert "No anomaly scores" in section(html, "anomaly")
    assert "No behaviour events." in section(html, "timeline")
    cfg = parse_yaml("lines:\n  - {name: door, points: [[0.5, 0], [0.5, 1]]}\n", AnalysisConfig)
    report = ReportBuilder("cam", 160, 120, scene=SceneGeometry.from_config(cfg))
    report.set_line_counts(AnalyticsEngine.from_config(cfg).line_counts())
    report.write(tmp_path / "r2.html", {})
    assert "No line_crossing rule counts these lines" in section((tmp_path / "r2.html").read_text(), "lines")


def test_names_are_escaped_in_every_behaviour_section(tmp_path: Path) -> None:
    from vigil.analytics import LineCounts, OccupancySeries
    from vigil.output.scene import Shape

    bad = "<script>x</script>"
    square = ((0.1, 0.1), (0.5, 0.1), (0.5, 0.5))
    scene = SceneGeometry(zones=(Shape(bad, square),), lines=(Shape(bad, ((0.2, 0.0), (0.2, 1.0))),))
    report = ReportBuilder("cam", 160, 120, scene=scene)
    for i in range(5):
        report.add(i * 0.1, Tracks.empty())
    report.add_event(Event(bad, "instant", 0.2, "cam", (1,), 0.2, {"rule": bad, "zone": bad}))
    times = np.arange(5) * 0.1
    report.set_occupancy(OccupancySeries(times, {bad: np.array([0, 1, 2, 1, 0], np.int32)},
                                         np.zeros(5, np.int32), 1))  # fmt: skip
    report.set_line_counts({bad: LineCounts(bad, {bad: 2}, {})})
    report.write(tmp_path / "r.html", {})
    html = (tmp_path / "r.html").read_text()
    parse(html)
    assert "<script>" not in html and html.count("&lt;script&gt;x&lt;/script&gt;") >= 5
    assert ">2</td>" in section(html, "occupancy") and ">in 2</text>" in section(html, "lines")
