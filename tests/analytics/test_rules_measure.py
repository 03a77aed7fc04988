"""The measurements under the rules: zones, lines, ground plane, body-height scale, velocity, engine."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest
from rules_helpers import Actor, frames, moving, of, run

from vigil.analytics import AnalyticsEngine
from vigil.analytics.geometry import GroundPlane, Segment, ZoneMap
from vigil.analytics.motion import TrackTable
from vigil.analytics.scale import RowHeightModel, body_heights
from vigil.config import AnalysisConfig, parse_yaml
from vigil.config.analytics import RunningRule
from vigil.types import Tracks


def test_zone_map_inside_outside_for_many_zones() -> None:
    square = [(0.1, 0.1), (0.5, 0.1), (0.5, 0.5), (0.1, 0.5)]
    concave = [(0.5, 0.5), (0.9, 0.5), (0.9, 0.9), (0.7, 0.6), (0.5, 0.9)]  # a notch cut from the bottom edge
    zones = [square, concave] + [[(0.0, 0.0), (0.05 * (k + 1), 0.0), (0.0, 0.05 * (k + 1))] for k in range(9)]
    zm = ZoneMap(zones)
    pts = np.array([[0.3, 0.3], [0.6, 0.55], [0.7, 0.8], [0.95, 0.95], [0.01, 0.01], [0.2, 0.2]])
    inside = zm.lookup(pts, (640, 480))
    assert inside.shape == (6, 11)
    assert inside[:, 0].tolist() == [True, False, False, False, False, True]
    assert inside[:, 1].tolist() == [False, True, False, False, False, False]  # (0.7, 0.8) is in the notch
    assert inside[4, 2:].all()  # the corner point is in every triangle
    assert inside[5, 2:].tolist() == [False] * 7 + [True, True]  # only triangles with legs >= 0.45
    assert zm.lookup(np.zeros((0, 2)), (640, 480)).shape == (0, 11)


def test_segment_side_and_crossing_fraction() -> None:
    seg = Segment((100.0, 200.0), (300.0, 200.0))  # left to right
    assert seg.signed_distance(np.array([[200.0, 250.0], [200.0, 150.0]])).tolist() == [50.0, -50.0]  # below: right
    assert seg.crossing_fraction((150.0, 100.0), (150.0, 300.0)) == pytest.approx(0.25)
    assert seg.crossing_fraction((0.0, 100.0), (0.0, 300.0)) == pytest.approx(-0.5)
    assert np.isnan(seg.crossing_fraction((0.0, 100.0), (50.0, 100.0)))


def test_ground_plane_maps_calibration_points_to_metres() -> None:
    img = [(0.2, 0.9), (0.8, 0.9), (0.65, 0.5), (0.35, 0.5), (0.5, 0.7)]
    w, h = 640, 480
    # a real perspective: points built from a known homography
    truth = np.array([[0.02, 0.0, -4.0], [0.0, 0.05, -10.0], [0.0, 0.002, 0.2]])
    px = np.array(img) * [w, h]
    g = np.c_[px, np.ones(len(px))] @ truth.T
    ground = g[:, :2] / g[:, 2:]
    gp = GroundPlane(img, ground.tolist())
    assert np.allclose(gp.to_ground(px, (w, h)), ground, atol=1e-6)
    mid = np.array([[400.0, 300.0]])
    expect = (np.c_[mid, [1.0]] @ truth.T)[:, :2] / (np.c_[mid, [1.0]] @ truth.T)[:, 2:]
    assert np.allclose(gp.to_ground(mid, (w, h)), expect, atol=1e-6)


def test_row_height_model_learns_perspective() -> None:
    rows = RowHeightModel()
    rng = np.random.default_rng(0)
    assert rows.predict(np.array([0.5])) is None
    for k in range(30):
        y = rng.uniform(0.3, 1.0, 5)
        hgt = 0.4 * y - 0.05 + rng.normal(0, 0.005, 5)  # far (higher) people are smaller
        hgt[0] = 0.05 if k % 10 == 0 else hgt[0]  # an occasional head-only box
        rows.update(y, hgt, k * 0.04)
    a, b = rows.coefficients  # type: ignore[misc]
    assert a == pytest.approx(0.4, abs=0.03) and b == pytest.approx(-0.05, abs=0.02)
    pred = rows.predict(np.array([0.5, 1.0]))
    assert pred is not None and np.allclose(pred, [0.15, 0.35], atol=0.01)


def test_body_heights_clip_to_the_row_model_and_measure_bags_by_people() -> None:
    rows = RowHeightModel(min_weight=1.0)
    rows.update(np.array([0.5, 1.0]), np.array([0.1, 0.2]), 0.0)  # h = 0.2 y
    track_h = np.array([48.0, 20.0, 200.0, 30.0, 10.0])
    foot_y = np.array([240.0, 240.0, 240.0, 480.0, 240.0])
    is_person = np.array([True, True, True, True, False])
    is_bag = np.array([False, False, False, False, True])
    cut = np.array([False, False, False, True, False])
    out = body_heights(track_h, track_h, foot_y, is_person, is_bag, cut, rows, 480)
    # row model at y = 240: 0.1 * 480 = 48 px; clipped to [36, 64.8]; a box cut by the frame edge takes the model
    assert out.tolist() == pytest.approx([48.0, 36.0, 64.8, 96.0, 48.0])
    empty = RowHeightModel()
    assert body_heights(track_h, track_h, foot_y, is_person, is_bag, cut, empty, 480)[4] == pytest.approx(30.0)


def test_far_runner_and_near_walker_same_pixel_speed() -> None:
    # perspective: people far away (top) are 40 px tall, near ones (bottom) 120 px; both move at 90 px/s
    crowd = [Actor(10 + k, [(0.0, 80.0 + 120 * k, 150.0 + 60 * (k % 5)), (8.0, 80.0 + 120 * k, 150.0 + 60 * (k % 5))],
                   40.0 + 80.0 * (60 * (k % 5)) / 240) for k in range(5)]  # fmt: skip
    far = Actor(1, moving(0.0, 20.0, 150.0, 90.0, 0.0, 8.0), 40.0)  # 2.25 bh/s
    near = Actor(2, moving(0.0, 20.0, 390.0, 90.0, 0.0, 8.0), 120.0)  # 0.75 bh/s
    events = run(AnalyticsEngine("cam", rules=[RunningRule(type="running")]), frames([far, near, *crowd], 25, 8.0))
    starts = of(events, "running", "start")
    assert [e.track_ids for e in starts] == [(1,)]
    assert float(starts[0].attributes["speed"]) == pytest.approx(2.25, rel=0.1)


@pytest.mark.parametrize("fps", [5.0, 12.5, 30.0])
def test_velocity_is_exact_for_constant_motion_at_any_rate(fps: float) -> None:
    table = TrackTable([0.6])
    vel = valid = np.zeros(0)
    for k in range(int(2 * fps)):
        t = k / fps
        table.update(
            np.array([1, 2]), t, np.array([10 + 50 * t, 5.0]), np.array([0.0, 5 - 20 * t]), np.ones(2) * 50, 50.0
        )
        vel, valid = table.velocity(0.6)
    assert valid.all()
    assert np.allclose(vel, [[50.0, 0.0], [0.0, -20.0]], atol=1e-6)


def test_velocity_validity_waits_for_half_a_window_and_slots_are_reused() -> None:
    table = TrackTable([0.6], retention=1.0, slots=2)
    valids = []
    for k in range(10):
        table.update([7], k * 0.05, np.array([k * 2.0]), np.zeros(1), np.ones(1) * 50, 50.0)
        valids.append(bool(table.velocity(0.6)[1][0]))
    assert valids == [False] * 6 + [True] * 4  # valid from t = 0.3 s
    for k, tid in enumerate(range(100, 140)):  # many tracks, more than the initial slots
        table.update([tid], 5.0 + k * 2.0, np.zeros(1), np.zeros(1), np.ones(1), 1.0)
    assert len(table._slot) <= 2  # old tracks were forgotten after `retention`


def test_engine_skips_frames_whose_time_goes_back(caplog: pytest.LogCaptureFixture) -> None:
    eng = AnalyticsEngine("cam")
    tr = Tracks(np.array([[10, 10, 30, 90]], np.float32), [1], [0.9], [0])
    eng.evaluate(tr, 1.0, (640, 480))
    with caplog.at_level(logging.WARNING):
        assert eng.evaluate(tr, 0.5, (640, 480)) == []
    assert "stream time went back" in caplog.text and eng.frames == 1
    with pytest.raises(ValueError, match="frame_size"):
        eng.evaluate(tr, 2.0, (0, 480))


def test_rules_cost_per_frame_with_ten_people() -> None:
    """All rule types together on 10 moving people: a loose bound here; docs/behaviour.md has measured numbers."""
    cfg = parse_yaml(
        "zones:\n  - {name: a, points: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.6], [0.1, 0.6]]}\n"
        "lines:\n  - {name: l, points: [[0.5, 0.0], [0.5, 1.0]]}\n"
        "rules:\n  - {type: running}\n  - {type: crowd_running}\n  - {type: dispersal}\n  - {type: gathering}\n"
        "  - {type: overcrowding, zone: a, max_count: 5}\n  - {type: loitering, zone: a, min_dwell: 10}\n"
        "  - {type: intrusion, zone: a}\n  - {type: zone_enter, zone: a}\n  - {type: zone_exit, zone: a}\n"
        "  - {type: line_crossing, line: l}\n  - {type: unattended_object}\n",
        AnalysisConfig,
    )
    rng = np.random.default_rng(1)
    actors = [Actor(k + 1, moving(0.0, *rng.uniform([40, 100], [600, 460]), *rng.normal(0, 40, 2), 40.0), 80.0)
              for k in range(10)]  # fmt: skip
    seq = frames(actors, fps=25, duration=40.0)
    best = float("inf")
    for _ in range(2):
        eng = AnalyticsEngine.from_config(cfg)
        t0 = time.perf_counter()
        run(eng, seq)
        best = min(best, (time.perf_counter() - t0) / len(seq))
    assert best < 3e-3, f"{best * 1e3:.2f} ms per frame"


def test_every_event_is_plain_json_and_every_start_ends() -> None:
    import json

    from vigil.config.analytics import LineConfig, ZoneConfig
    from vigil.config.analytics import LineCrossingRule as LineRule

    zone = ZoneConfig(name="z", points=((0.5, 0.0), (1.0, 0.0), (1.0, 1.0), (0.5, 1.0)))
    line = LineConfig(name="l", points=((0.5, 0.0), (0.5, 1.0)))
    cfg = parse_yaml(
        "rules:\n  - {type: running}\n  - {type: crowd_running}\n  - {type: dispersal}\n"
        "  - {type: gathering, min_duration: 2}\n  - {type: overcrowding, zone: z, max_count: 2, min_duration: 1}\n"
        "  - {type: loitering, zone: z, min_dwell: 3}\n  - {type: intrusion, zone: z}\n  - {type: zone_enter, zone: z}\n"
        "  - {type: zone_exit, zone: z}\n  - {type: unattended_object, min_duration: 3}\n"
        "zones:\n  - {name: z, points: [[0.5, 0.0], [1.0, 0.0], [1.0, 1.0], [0.5, 1.0]]}\n",
        AnalysisConfig,
    )
    eng = AnalyticsEngine(
        "cam", zones=[zone], lines=[line], rules=[*cfg.rules, LineRule(type="line_crossing", line="l")]
    )
    group = [Actor(10 + k, [(0.0, 400.0 + 30 * k, 300.0), (6.0, 400.0 + 30 * k, 300.0),
                            (7.5, 400.0 + 30 * k + (k - 1.5) * 120, 300.0 + (k % 2 - 0.5) * 300)], 80.0)
             for k in range(4)]  # fmt: skip
    runner = Actor(1, moving(0.0, 20.0, 120.0, 160.0, 0.0, 3.5), 80.0)
    bag = Actor(30, [(0.0, 200.0, 450.0), (8.0, 200.0, 450.0)], 25.0, cls="backpack", width_ratio=1.2)
    events = run(eng, frames([*group, runner, bag], fps=10, duration=8.0))
    kinds = {e.kind for e in events}
    assert kinds >= {"running", "crowd_running", "dispersal", "gathering", "overcrowding", "loitering", "intrusion",
                     "zone_enter", "zone_exit", "line_crossing", "unattended_object"}, kinds  # fmt: skip
    json.dumps([e.to_json() for e in events])
    for e in events:
        assert e.camera == "cam" and e.attributes["rule"]
        assert 0.0 <= e.confidence <= 1.0
        for v in e.attributes.values():
            assert type(v) in (int, float, str, list), (e.kind, v)
    opened: dict[tuple[str, object], int] = {}
    for e in events:
        key = (str(e.attributes["rule"]), e.started)
        if e.phase == "start":
            opened[key] = opened.get(key, 0) + 1
        elif e.phase == "end":
            opened[key] -= 1
    assert all(v == 0 for v in opened.values()), opened
