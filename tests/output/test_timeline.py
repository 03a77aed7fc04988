"""The event timeline: bars from onset to end, ticks for instants, bounded memory and drawing."""

from __future__ import annotations

import re

import pytest

from vigil.output.timeline import EventTimeline
from vigil.types import Event


def ev(kind: str, phase: str, t: float, started: float | None = None, rule: str | None = None,
       ids: tuple[int, ...] = (1,)) -> Event:  # fmt: skip
    return Event(kind, phase, t, "cam", ids, started if started is not None else t, {"rule": rule or kind})


def spans(tl: EventTimeline) -> list[tuple[str, float, float | None, bool]]:
    names = {lane: kind for kind, lane in tl.lanes.items()}
    return sorted((names[i.lane], i.start, i.end, i.ongoing) for i in tl.items())


def test_lasting_events_become_bars_from_onset_to_end_and_instants_ticks() -> None:
    tl = EventTimeline()
    for t in (0.0, 30.0):
        tl.observe(t)
    tl.add(ev("track_start", "instant", 1.0))  # ignored
    tl.add(ev("intrusion", "start", 3.0, 2.0, ids=(4,)))
    tl.add(ev("intrusion", "update", 6.0, 2.0, ids=(4, 5)))
    tl.add(ev("loitering", "start", 5.0, 1.0))
    tl.add(ev("loitering", "start", 9.0, 8.0))  # a second one of the same rule, overlapping
    tl.add(ev("loitering", "end", 12.0, 1.0))
    tl.add(ev("intrusion", "end", 10.0, 2.0, ids=(4, 5)))
    tl.add(ev("line_crossing", "instant", 7.5))
    tl.add(ev("running", "end", 20.0, 18.0))  # its start came before the report began
    assert spans(tl) == [
        ("intrusion", 2.0, 10.0, False),
        ("line_crossing", 7.5, None, False),
        ("loitering", 1.0, 12.0, False),
        ("loitering", 8.0, 30.0, True),  # never ended: drawn to the last time seen
        ("running", 18.0, 20.0, False),
    ]
    svg = tl.svg(0.0, 30.0)
    assert "intrusion (1 lasting)" in svg and "loitering (2 lasting)" in svg and "line_crossing (1 instant)" in svg
    # lanes in the documented rule order: running, loitering, intrusion, line_crossing
    order = [m for m in re.findall(r">(\w+) \(", svg)]
    assert order == ["running", "loitering", "intrusion", "line_crossing"]
    # the intrusion bar: x from 2 s to 10 s on a 0-30 s axis, 48 px to 884 px
    (bar,) = re.findall(r'<rect class="k2" fill-opacity="0.8" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    assert float(bar[0]) == pytest.approx(48 + 2 / 30 * 836, abs=0.1)
    assert float(bar[1]) == pytest.approx(8 / 30 * 836, abs=0.1)
    assert "intrusion 0:02.0-0:10.0 (8.0 s) tracks #4, #5" in svg
    assert "still going" in svg and "Hover for details" in tl.note()


def test_text_is_escaped() -> None:
    tl = EventTimeline()
    tl.add(Event("<b>", "instant", 1.0, "cam", (1,), 1.0, {"rule": "x", "why": "tip & <i>"}))
    svg = tl.svg(0.0, 2.0)
    assert "&lt;b&gt;" in svg and "tip &amp; &lt;i&gt;" in svg and "<b>" not in svg and "<i>" not in svg


def test_empty_timeline_says_so() -> None:
    tl = EventTimeline()
    tl.add(ev("track_end", "instant", 1.0))
    assert tl.svg(0.0, 1.0) == '<p class="empty">No behaviour events.</p>' and tl.note() == ""


def test_many_events_fall_back_to_a_bounded_raster() -> None:
    tl = EventTimeline(max_items=100, bins=64, max_lanes=3)
    n = 0
    for i in range(20_000):  # 2000 s at 10 Hz
        t = i * 0.1
        tl.observe(t)
        if i % 10 == 0:
            tl.add(ev("zone_enter", "instant", t))
            n += 1
        if i % 200 == 0:
            tl.add(ev("loitering", "start", t + 5, t))
        if i % 200 == 100:
            tl.add(ev("loitering", "end", t, t - 10))
    for kind in ("a", "b", "c", "d"):  # more kinds than lanes: the last ones share "other"
        tl.add(ev(kind, "instant", 1.0))
    assert set(tl.lanes) == {"zone_enter", "loitering", "a", "other"}
    assert tl.overflow and len(tl._items) == 100 and tl.width == pytest.approx(0.1 * 2**9)
    assert tl._cover.shape == (4, 64) and int(tl.instants.sum()) == n + 4 and int(tl.spans.sum()) == 100
    svg = tl.svg(0.0, 2000.0)
    assert svg.count("<rect") <= 4 * 64
    assert "zone_enter (2,000 instant)" in svg and "loitering (100 lasting)" in svg
    # ticks carry their counts: all 2000 entries are accounted for in the zone_enter lane
    counts = [int(c.replace(",", "")) for c in re.findall(r"<title>([\d,]+) at ", svg)]
    assert sum(counts) == n + 4
    assert "drawn in 51.2 s bins" in tl.note()


def test_start_without_end_is_bounded() -> None:
    tl = EventTimeline(max_items=10)
    for i in range(3000):
        tl.add(ev("gathering", "start", float(i), float(i)))
    assert len(tl._open) <= 1024 and int(tl.spans.sum()) == 3000 - len(tl._open)
