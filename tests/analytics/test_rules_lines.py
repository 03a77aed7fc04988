"""Line crossing: real crossings count once in the right direction and class; jitter never does."""

from __future__ import annotations

import pytest
from rules_helpers import Actor, frames, of, run

from vigil.analytics import AnalyticsEngine
from vigil.config.analytics import CalibrationConfig, LineConfig, LineCrossingRule

H = 80.0
# a horizontal line across the middle of a 640 x 480 frame, x from 128 to 512, drawn left to right:
# its right-hand side on screen is below it, so walking down is "in"
GATE = LineConfig(name="gate", points=((0.2, 0.5), (0.8, 0.5)))
Y = 240.0


def _count(
    actors: list[Actor], fps: float = 10, duration: float = 12.0, **rule: object
) -> tuple[list, AnalyticsEngine]:
    eng = AnalyticsEngine("cam", lines=[GATE], rules=[LineCrossingRule(type="line_crossing", line="gate", **rule)])  # type: ignore[arg-type]
    return of(run(eng, frames(actors, fps=fps, duration=duration)), "line_crossing"), eng


def _jitter_path(x: float, amp: float, t0: float, t1: float, dt: float = 0.1) -> list[tuple[float, float, float]]:
    n = int(round((t1 - t0) / dt))
    return [(t0 + k * dt, x, Y + (amp if k % 2 else -amp)) for k in range(n + 1)]


@pytest.mark.parametrize(
    ("case", "path", "cls", "expect"),
    [
        ("walks down across", [(0.0, 320.0, 100.0), (6.0, 320.0, 400.0)], "person", [("in", "person")]),
        ("drives up across", [(0.0, 300.0, 420.0), (3.0, 300.0, 60.0)], "car", [("out", "car")]),
        ("stands on the line, feet jitter +-10 px (1/8 bh)", _jitter_path(320.0, 10.0, 0.0, 12.0), "person", []),
        ("approaches, jitters across the line, goes back", [(0.0, 320.0, 150.0), (2.0, 320.0, Y)]
         + _jitter_path(320.0, 12.0, 2.1, 8.0) + [(10.0, 320.0, 150.0)], "person", []),
        ("jitters across the line, then really crosses", [(0.0, 320.0, 150.0), (2.0, 320.0, Y)]
         + _jitter_path(320.0, 12.0, 2.1, 8.0) + [(10.0, 320.0, 400.0)], "person", [("in", "person")]),
        ("crosses and comes back", [(0.0, 320.0, 100.0), (3.0, 320.0, 400.0), (6.0, 320.0, 100.0)], "person",
         [("in", "person"), ("out", "person")]),
        ("walks around the end of the segment", [(0.0, 60.0, 100.0), (6.0, 60.0, 400.0)], "person", []),
        ("crosses near the end, on the segment", [(0.0, 140.0, 100.0), (6.0, 140.0, 400.0)], "person", [("in", "person")]),
        ("crosses diagonally", [(0.0, 100.0, 100.0), (6.0, 500.0, 400.0)], "person", [("in", "person")]),
    ],
)  # fmt: skip
def test_line_crossing(
    case: str, path: list[tuple[float, float, float]], cls: str, expect: list[tuple[str, str]]
) -> None:
    events, eng = _count([Actor(1, path, H, cls=cls)])
    assert [(e.attributes["direction"], e.attributes["class"]) for e in events] == expect, case
    assert all(e.phase == "instant" and e.track_ids == (1,) and e.attributes["line"] == "gate" for e in events)
    counts = eng.line_counts()["line_crossing"]
    assert counts.line == "gate"
    assert counts.total_in == sum(d == "in" for d, _ in expect)
    assert counts.total_out == sum(d == "out" for d, _ in expect)


def test_counts_per_class_and_direction() -> None:
    actors = [
        Actor(1, [(0.0, 200.0, 100.0), (4.0, 200.0, 400.0)], H),
        Actor(2, [(1.0, 300.0, 100.0), (5.0, 300.0, 400.0)], H),
        Actor(3, [(0.0, 400.0, 400.0), (4.0, 400.0, 100.0)], H),
        Actor(4, [(0.0, 450.0, 420.0), (3.0, 450.0, 60.0)], H, cls="car"),
        Actor(5, [(0.0, 250.0, 100.0), (4.0, 250.0, 420.0)], 30.0, cls="bicycle"),
    ]
    events, eng = _count(actors, duration=6.0, classes=("person", "car"))
    counts = eng.line_counts()["line_crossing"]
    assert counts.inbound == {"person": 2} and counts.outbound == {"person": 1, "car": 1}
    last_person = [e for e in events if e.attributes["class"] == "person"][-1]
    assert (last_person.attributes["count_in"], last_person.attributes["count_out"]) in ((2, 1),)


def test_hysteresis_crossing_time_is_when_past_the_band() -> None:
    # 80 px/s downward; the band is 0.2 bh = 16 px, so the crossing counts 0.2 s after the feet pass the line
    events, _ = _count([Actor(1, [(0.0, 320.0, 160.0), (2.0, 320.0, 320.0)], H)], fps=25, duration=2.0)
    assert len(events) == 1 and events[0].t == pytest.approx(1.0 + 0.2, abs=0.041)


def test_line_crossing_in_metres_when_calibrated() -> None:
    # a top-down view, 10 px per metre; a 0.5 m band, feet jittering +-0.3 m on the line never count
    cal = CalibrationConfig(
        image_points=((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)),
        ground_points=((0, 0), (64, 0), (64, 48), (0, 48)),
    )
    rule = LineCrossingRule(type="line_crossing", line="gate", hysteresis=0.5)
    jitter = Actor(1, _jitter_path(320.0, 3.0, 0.0, 6.0), 17.0)
    walker = Actor(2, [(0.0, 400.0, 200.0), (4.0, 400.0, 280.0)], 17.0)
    eng = AnalyticsEngine("cam", lines=[GATE], calibration=cal, rules=[rule])
    events = of(run(eng, frames([jitter, walker], fps=10, duration=6.0)), "line_crossing")
    assert [(e.track_ids, e.attributes["direction"]) for e in events] == [((2,), "in")]
    assert events[0].t == pytest.approx(2.0 + 0.5 / 2.0, abs=0.11)  # 2 m/s, past the line by 0.5 m
