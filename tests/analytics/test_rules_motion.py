"""Running, crowd running and dispersal on synthetic tracks; frame-rate independence."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rules_helpers import Actor, angle_path, frames, moving, of, run

from vigil.analytics import AnalyticsEngine
from vigil.config.analytics import CrowdRunningRule, DispersalRule, GatheringRule, RunningRule

H = 80.0  # body height in pixels: 1 bh/s = 80 px/s
THRESHOLD = 1.4  # default running speed, bh/s


def engine(*rules: object) -> AnalyticsEngine:
    return AnalyticsEngine("cam", rules=list(rules) or [RunningRule(type="running")])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "speed_bh", "duration", "jitter", "expect_start"),
    [
        ("walker", 0.8, 6.0, 0.0, False),
        ("just below the threshold", 0.95 * THRESHOLD, 6.0, 0.0, False),
        ("just above, long enough", 1.05 * THRESHOLD, 4.0, 0.0, True),
        ("a dash too short to be a run", 2.0 * THRESHOLD, 0.3, 0.0, False),
        ("walker with detection jitter", 0.8, 8.0, 0.03, False),
        ("runner with detection jitter", 2.0, 4.0, 0.03, True),
    ],
)
def test_walker_versus_runner_at_the_threshold(
    case: str, speed_bh: float, duration: float, jitter: float, expect_start: bool
) -> None:
    # walk at 0.6 bh/s for 2 s, then move at the test speed for `duration`, then walk again
    v0, v1 = 0.6 * H, speed_bh * H
    path = [(0.0, 50.0, 300.0), (2.0, 50.0 + 2 * v0, 300.0)]
    x = path[-1][1] + v1 * duration
    path += [(2.0 + duration, x, 300.0), (2.0 + duration + 3.0, x + 3 * v0, 300.0)]
    seq = frames([Actor(1, path, H)], fps=25, duration=path[-1][0], jitter=jitter, seed=3)
    starts = of(run(engine(), seq), "running", "start")
    if not expect_start:
        assert starts == [], case
        return
    assert len(starts) == 1, case
    ev = starts[0]
    assert ev.track_ids == (1,)
    assert 2.0 <= ev.started <= 3.0  # the onset: when the sustained fast stretch began
    assert ev.t - ev.started >= 0.5 - 1e-6  # min_duration
    assert ev.attributes["speed_unit"] == "bh/s"
    assert abs(float(ev.attributes["speed"]) - speed_bh) < 0.25 * speed_bh
    assert 0.0 <= ev.attributes["direction_deg"] < 10.0 or ev.attributes["direction_deg"] > 350.0  # moving right


@pytest.mark.parametrize("leap_bh", [1.0, 2.0, 4.0])
def test_a_box_leaping_onto_a_neighbour_is_not_running(leap_bh: float) -> None:
    # the tracker moves id 1 onto a person `leap_bh` body heights away, who walks on
    path = [
        (0.0, 50.0, 300.0),
        (2.0, 98.0, 300.0),
        (2.04, 98.0 + leap_bh * H, 300.0),
        (6.0, 98.0 + leap_bh * H + 190.0, 300.0),
    ]
    assert of(run(engine(), frames([Actor(1, path, H)], fps=25, duration=6.0)), "running") == []


def test_id_switch_mid_run_gives_one_running_event() -> None:
    v = 2.2 * H
    runner = Actor(1, moving(0.0, 20.0, 300.0, v, 0.0, 3.2), H, gaps=[(1.6, 2.0)], switch=(2.0, 7))
    events = run(engine(), frames([runner], fps=25, duration=3.2))
    running = of(events, "running")
    assert [e.phase for e in running].count("start") == 1
    joined = [e for e in running if e.attributes.get("reason") == "track_joined"]
    assert len(joined) == 1 and joined[0].track_ids == (1, 7)
    assert running[-1].phase == "end" and running[-1].track_ids == (1, 7)


def test_two_runners_far_apart_are_two_events() -> None:
    a = Actor(1, moving(0.0, 20.0, 150.0, 2.0 * H, 0.0, 3.0), H)
    b = Actor(2, moving(0.0, 620.0, 420.0, -2.0 * H, 0.0, 3.0), H)
    starts = of(run(engine(), frames([a, b], fps=25, duration=3.0)), "running", "start")
    assert sorted(e.track_ids for e in starts) == [(1,), (2,)]


def test_a_new_runner_where_one_just_stopped_waits_for_the_cooldown() -> None:
    # runner 1 runs and vanishes; right after the episode ended, id 9 runs on at the predicted place
    first = Actor(1, moving(0.0, 20.0, 300.0, 2.0 * H, 0.0, 2.0), H)
    second = Actor(9, moving(4.0, 20.0 + 4.0 * 2.0 * H * 0.5, 300.0, 0.5 * 2.0 * H, 0.0, 8.0), H, appear=4.0)
    rule = RunningRule(type="running", end_after=1.0, cooldown=3.0, merge_radius=10.0)
    starts = of(run(engine(rule), frames([first, second], fps=25, duration=8.0)), "running", "start")
    assert [e.track_ids for e in starts] == [(1,)]


def test_speed_is_in_metres_per_second_when_calibrated() -> None:
    from vigil.config.analytics import CalibrationConfig

    # 640 x 480 image, 10 px per metre on the ground (a top-down view)
    cal = CalibrationConfig(
        image_points=((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)),
        ground_points=((0, 0), (64, 0), (64, 48), (0, 48)),
    )
    eng = AnalyticsEngine("cam", calibration=cal, rules=[RunningRule(type="running")])
    runner = Actor(1, moving(0.0, 20.0, 300.0, 40.0, 0.0, 4.0), 30.0)  # 4 m/s
    walker = Actor(2, moving(0.0, 20.0, 100.0, 14.0, 0.0, 4.0), 30.0)  # 1.4 m/s
    starts = of(run(eng, frames([runner, walker], fps=25, duration=4.0)), "running", "start")
    assert [e.track_ids for e in starts] == [(1,)]
    assert starts[0].attributes["speed_unit"] == "m/s"
    assert abs(float(starts[0].attributes["speed"]) - 4.0) < 0.2
    assert starts[0].attributes["threshold"] == pytest.approx(1.4 * 1.7)


def _scene() -> list[Actor]:
    """Walkers, a runner from t=3, a crowd that stands together and then scatters at t=14 (all in frame)."""
    actors = [
        Actor(1, moving(0.0, 40.0, 120.0, 0.7 * H, 0.0, 18.0), H),
        Actor(
            2, [(0.0, 40.0, 440.0), (3.0, 40.0 + 3 * 0.6 * H, 440.0), (5.0, 40.0 + 3 * 0.6 * H + 2 * 2.5 * H, 440.0)], H
        ),
    ]
    cx, cy, g = 330.0, 260.0, 50.0  # the group's people are 50 px tall
    for k in range(5):
        ang = 2 * math.pi * k / 5 + 0.3
        stand = angle_path(cx, cy, 0.5 * g, 0.5 * g, ang, 0.0, 14.0)
        out = angle_path(cx, cy, 0.5 * g, 0.5 * g + 2.0 * 1.6 * g, ang, 14.0, 16.0)
        actors.append(Actor(10 + k, stand + out[1:] + [(18.0, out[1][1], out[1][2])], g))
    return actors


def test_same_motion_at_5_and_25_fps_gives_the_same_events() -> None:
    rules = [
        RunningRule(type="running"),
        CrowdRunningRule(type="crowd_running", min_people=4),
        DispersalRule(type="dispersal"),
        GatheringRule(type="gathering", min_people=4, min_duration=5.0),
    ]
    results = {}
    for fps in (5, 25):
        events = run(AnalyticsEngine("cam", rules=rules), frames(_scene(), fps=fps, duration=18.0))
        results[fps] = [e for e in events if e.phase == "start"]
    slow, fast = results[5], results[25]
    assert sorted(e.kind for e in fast) == ["crowd_running", "dispersal", "gathering", "running", "running", "running",
                                            "running", "running", "running"]  # fmt: skip
    assert sorted((e.kind, e.track_ids) for e in slow) == sorted((e.kind, e.track_ids) for e in fast)
    for e5 in slow:
        e25 = next(e for e in fast if (e.kind, e.track_ids) == (e5.kind, e5.track_ids))
        assert abs(e5.t - e25.t) <= 2 / 5 + 1e-6, (e5, e25)  # within two frames at 5 fps


def _walkers(n: int, rng: np.random.Generator, until: float) -> list[list[tuple[float, float, float]]]:
    paths = []
    for _ in range(n):
        x, y = rng.uniform(120, 520), rng.uniform(180, 420)
        ang = rng.uniform(0, 2 * math.pi)
        v = rng.uniform(0.4, 0.7) * H
        paths.append(moving(0.0, x, y, v * math.cos(ang), v * math.sin(ang), until))
    return paths


@pytest.mark.parametrize(("n_fast", "expect"), [(6, True), (1, False)])
def test_crowd_running_when_most_people_accelerate_together(n_fast: int, expect: bool) -> None:
    rng = np.random.default_rng(5)
    walks = _walkers(8, rng, 6.0)
    actors = []
    for k, p in enumerate(walks):
        (t0, x0, y0), (t1, x1, y1) = p
        if k < n_fast:  # accelerate to 2.2 bh/s in a new direction at t=6
            ang = rng.uniform(0, 2 * math.pi)
            p = p + [(9.0, x1 + 3 * 2.2 * H * math.cos(ang), y1 + 3 * 2.2 * H * math.sin(ang))]
        else:
            p = p + [(9.0, x1 + (x1 - x0) / 2, y1 + (y1 - y0) / 2)]
        actors.append(Actor(k + 1, p, H))
    rules = [CrowdRunningRule(type="crowd_running"), RunningRule(type="running")]
    events = run(AnalyticsEngine("cam", rules=rules), frames(actors, fps=25, duration=9.0))
    crowd = of(events, "crowd_running", "start")
    if expect:
        assert len(crowd) == 1
        assert 6.0 <= crowd[0].t <= 7.5
        assert crowd[0].attributes["count"] >= 3 and crowd[0].attributes["share"] >= 0.5
        assert set(crowd[0].track_ids) <= set(range(1, n_fast + 1))
    else:
        assert crowd == []
        assert [e.track_ids for e in of(events, "running", "start")] == [(1,)]


@pytest.mark.parametrize(("pattern", "expect"), [("outward", True), ("together", False), ("standing", False)])
def test_dispersal_is_outward_motion_not_a_group_walking_together(pattern: str, expect: bool) -> None:
    cx, cy = 320.0, 280.0
    actors = []
    for k in range(8):
        ang = 2 * math.pi * k / 8
        stand = angle_path(cx, cy, 1.0 * H, 1.0 * H, ang, 0.0, 4.0)
        x, y = stand[0][1], stand[0][2]
        if pattern == "outward":
            then = angle_path(cx, cy, 1.0 * H, 1.0 * H + 2.5 * 1.2 * H, ang, 4.0, 6.5)[1]
        elif pattern == "together":
            then = (6.5, x + 2.5 * 1.2 * H, y)
        else:
            then = (6.5, x, y)
        actors.append(Actor(k + 1, stand + [then], H))
    events = run(AnalyticsEngine("cam", rules=[DispersalRule(type="dispersal")]), frames(actors, fps=25, duration=6.5))
    starts = of(events, "dispersal", "start")
    if expect:
        assert len(starts) == 1 and 4.0 <= starts[0].t <= 5.5
        assert float(starts[0].attributes["radial_speed"]) >= 0.6
        assert set(starts[0].track_ids) == set(range(1, 9))
        assert of(events, "dispersal", "end")  # closed at the end of the stream
    else:
        assert starts == []
