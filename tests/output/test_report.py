from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from vigil.output import ReportBuilder, TrackLifecycle, redact_url, run_summary
from vigil.types import Event, Frame, Tracks

MakeFrame = Callable[..., Frame]
MakeTracks = Callable[..., Tracks]
HOSTILE = "<script>alert(1)</script>"
VOID = {"meta", "img", "br", "hr", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
SVG_LEAVES = {"line", "rect", "circle", "path"}  # may be written either way in SVG


class Page(HTMLParser):
    """Collects tags, attributes and text; fails on unbalanced elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, k, v or "") for k, v in attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>, open: {self.stack[-3:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    assert p.stack == [], f"unclosed elements {p.stack}"
    return p


def walk_scene(tracks_of: MakeTracks, frames: int = 200, fps: float = 10.0) -> tuple[ReportBuilder, list[Event]]:
    """Three people crossing a 160x120 scene: ids 1 and 2 together, id 3 later; one car."""
    report = ReportBuilder(HOSTILE, 160, 120)
    life = TrackLifecycle(HOSTILE)
    all_events: list[Event] = []
    for i in range(frames):
        t = 5.0 + i / fps
        boxes, ids, classes = [], [], []
        if i < 120:
            boxes += [(10 + i * 0.5, 40, 30 + i * 0.5, 100), (100, 20 + i * 0.3, 120, 60 + i * 0.3)]
            ids += [1, 2]
            classes += [0, 0]
        if i >= 60:
            boxes += [(150 - (i - 60) * 0.8, 50, 160 - (i - 60) * 0.8, 110), (0, 0, 40, 20)]
            ids += [3, 4]
            classes += [0, 2]
        tracks = tracks_of(boxes, ids, classes=classes)
        finished = [1, 2] if i == 125 else []
        events = life.update(t, tracks, finished)
        if i == 150:
            events.append(Event(f"running{HOSTILE}", "start", t, HOSTILE, (3,), t, {"why": HOSTILE, "v": [1.5, 2.0]}))
        for ev in events:
            report.add_event(ev)
        report.add(t, tracks)
        all_events += events
    for ev in life.close():
        report.add_event(ev)
        all_events.append(ev)
    return report, all_events


def test_report_is_one_safe_self_contained_page(tmp_path: Path, tracks_of: MakeTracks, frame_of: MakeFrame) -> None:
    report, _ = walk_scene(tracks_of)
    report.set_background(frame_of(0, 0.0).image)
    summary = run_summary(report, input_name="rtsp://user:secret@10.0.0.5/stream", wall_seconds=4.0,
                          extra={"model": HOSTILE})
    path = tmp_path / "report.html"
    report.write(path, summary)
    html = path.read_text(encoding="utf-8")
    page = parse(html)

    # nothing is loaded from anywhere: no URLs, every image inline, a CSP that forbids loads
    assert "http://" not in html and "https://" not in html and "//10.0.0.5" not in html.replace("rtsp://10.0.0.5", "")
    assert "secret" not in html  # credentials never reach the report
    for tag, name, value in page.attrs:
        if name in {"src", "href", "action", "srcset", "poster", "xlink:href"}:
            assert value.startswith("data:"), f"<{tag} {name}={value[:40]}> is not inline"
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(page.tags)
    csp = [v for t, k, v in page.attrs if t == "meta" and k == "content" and "default-src" in v]
    assert csp and "default-src 'none'" in csp[0]
    assert page.tags.count("svg") == 3 and page.tags.count("img") == 1  # people, durations, timeline; heatmap

    # hostile text is escaped everywhere (camera, event kind, attributes, summary extras)
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = " ".join(page.text)
    assert HOSTILE in text  # shown to the reader as text

    # the summary figures are on the page
    assert summary["frames"] == 200 and summary["unique_tracks"] == 4
    assert summary["peak_people"] == 3 and summary["stream_seconds"] == pytest.approx(20.0)
    assert summary["analysis_fps"] == 50.0 and summary["input"] == "rtsp://***@10.0.0.5/stream"
    for label, value in [("Frames analysed", "200"), ("Unique tracks", "4"), ("Peak people in view", "3"),
                         ("Stream duration", "20.0 s"), ("Analysis speed", "50.0 fps")]:
        assert re.search(rf">{re.escape(value)}</div><div class=\"k\">{re.escape(label)}<", html), label
    assert f"{summary['mean_people']:.2f}" in text
    json.dumps(summary)  # JSON-serialisable


def test_track_durations_and_counts_come_from_lifecycle_events(tracks_of: MakeTracks) -> None:
    report, events = walk_scene(tracks_of)
    stats = report.stats()
    ends = {ev.track_ids[0]: ev.attributes["duration"] for ev in events if ev.kind == "track_end"}
    assert ends == {1: pytest.approx(11.9), 2: pytest.approx(11.9), 3: pytest.approx(13.9), 4: pytest.approx(13.9)}
    assert stats.unique_tracks == 4 and stats.finished_tracks == 4
    assert stats.mean_track_duration_s == pytest.approx(12.9)
    assert report.durations.counts()[list(report.durations.edges).index(10)] == 4  # all in [10, 20) s
    assert stats.events == {"track_start": 4, "track_end": 4, f"running{HOSTILE}": 1}
    # people: 2 until frame 59, 3 from 60 to 119 (the car is not a person), then 1
    assert stats.peak_people == 3
    assert stats.mean_people == pytest.approx((60 * 2 + 60 * 3 + 80 * 1) / 200)
    assert report.heatmap.points == 60 * 2 + 60 * 3 + 80 * 1


def test_event_list_is_capped_with_a_note(tmp_path: Path, tracks_of: MakeTracks) -> None:
    report = ReportBuilder("cam", 160, 120, max_listed_events=50)
    report.add(0.0, Tracks.empty())
    for i in range(300):
        report.add_event(Event("track_start", "instant", i * 0.1, "cam", (i,)))
    for i in range(80):
        report.add_event(Event("loitering", "start", i * 0.5, "cam", (i,)))
    notable, tracks = report.notable_events(), report.track_events()
    assert len(notable) == 50 and {ev.kind for ev in notable} == {"loitering"}
    assert len(tracks) == 50 and {ev.kind for ev in tracks} == {"track_start"}
    assert [ev.t for ev in notable] == sorted(ev.t for ev in notable)
    report.write(tmp_path / "r.html", {})
    html = (tmp_path / "r.html").read_text()
    parse(html)
    assert "30 more not listed" in html and "250 more not listed" in html
    assert html.count("<tr><td class=\"num\">") == 100
    assert html.index("loitering") < html.index("<details>")  # track events come last, folded


def test_empty_run_still_renders(tmp_path: Path) -> None:
    report = ReportBuilder("cam", 160, 120)
    report.write(tmp_path / "r.html", run_summary(report, input_name="in.mp4", wall_seconds=0.0))
    page = parse((tmp_path / "r.html").read_text())
    assert "No frames analysed." in page.text and "No people were tracked." in page.text


def test_memory_stays_bounded_over_100k_frames(tracks_of: MakeTracks) -> None:
    report = ReportBuilder("cam", 160, 120)
    tracks = tracks_of([(10, 10, 30, 80), (50, 20, 70, 100), (0, 0, 10, 10)], [1, 2, 3], classes=[0, 0, 2])
    grid_shape = report.heatmap.shape
    t0 = time.perf_counter()
    for i in range(100_000):
        report.add(i / 25.0, tracks)
        report.add_event(Event("track_start", "instant", i / 25.0, "cam", (i,)))
    elapsed = time.perf_counter() - t0
    assert len(report.people) <= 2000
    assert report.people.counts().sum() == 100_000
    assert report.heatmap.shape == grid_shape and report.heatmap.points == 200_000
    assert len(report.track_events()) == 500 and report.events_total == 100_000
    assert report.stats().stream_seconds == pytest.approx(4000.0)
    assert elapsed < 30, f"{elapsed:.1f} s for 100k frames"


def test_redact_url() -> None:
    assert redact_url("rtsp://u:p@cam.local:554/x?y=1") == "rtsp://***@cam.local:554/x?y=1"
    assert redact_url("http://cam.local/snap?user=admin&password=hunter2") == "http://cam.local/snap?user=***&password=***"
    assert redact_url("rtsp://cam.local/x") == "rtsp://cam.local/x"
    assert redact_url("/videos/a@b.mp4") == "/videos/a@b.mp4"



def test_report_takes_the_pipeline_summary_and_hides_credentials(tmp_path: Path, tracks_of: MakeTracks) -> None:
    report, _ = walk_scene(tracks_of, frames=30)
    summary = {
        "input": "rtsp://admin:hunter2@cam.local/live",
        "camera": "gate",
        "frames": 30,
        "stream_seconds": 2.9,
        "wall_seconds": 1.5,
        "analysis_fps": 20.0,
        "events": 7,
        "stage_seconds": {"decode": 0.25, "inference": 1.0},
        "corrupt_frames_skipped": 0,
    }
    report.write(tmp_path / "r.html", summary)
    html = (tmp_path / "r.html").read_text()
    parse(html)
    assert "hunter2" not in html and "admin" not in html and "rtsp://***@cam.local/live" in html
    assert "Vigil report \u2013 gate" in html  # the summary's camera wins
    assert '>20.0 fps</div><div class="k">Analysis speed<' in html
    assert '>7</div><div class="k">Events<' in html
    assert "<th>Seconds per stage</th><td>decode: 0.2 s, inference: 1.0 s</td>" in html
    assert "<th>Wall-clock time</th><td>1.5 s</td>" in html
