"""Zone rules on synthetic tracks: loitering, overcrowding + occupancy, intrusion with active hours,
zone enter/exit, unattended objects, gathering."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from rules_helpers import Actor, angle_path, frames, of, run

from vigil.analytics import AnalyticsEngine
from vigil.analytics.hours import ActiveSchedule
from vigil.config.analytics import (
    ActiveHours,
    DispersalRule,
    GatheringRule,
    IntrusionRule,
    LoiteringRule,
    OvercrowdingRule,
    UnattendedObjectRule,
    ZoneConfig,
    ZoneEnterRule,
    ZoneExitRule,
)

H = 80.0
# the right half of a 640 x 480 frame, below the top quarter
ZONE = ZoneConfig(name="plaza", points=((0.5, 0.25), (1.0, 0.25), (1.0, 1.0), (0.5, 1.0)))


def _engine(*rules: object) -> AnalyticsEngine:
    return AnalyticsEngine("cam", zones=[ZONE], rules=list(rules))  # type: ignore[arg-type]


def _loiterer(gaps: list[tuple[float, float]], switch: tuple[float, int] | None = None) -> Actor:
    # walks into the zone (its edge is x = 320) at t = 0.8, then drifts slowly inside until t = 40
    return Actor(1, [(0.0, 240.0, 300.0), (1.0, 340.0, 300.0), (40.0, 420.0, 320.0)], H, gaps=gaps, switch=switch)


@pytest.mark.parametrize(
    ("case", "gaps", "switch", "start_at", "ids"),
    [
        ("no occlusion", [], None, 20.8, (1,)),
        ("2 s occlusion, under the grace", [(12.0, 14.0)], None, 20.8, (1,)),
        ("occlusion then a new id at the same place", [(12.0, 13.0)], (13.0, 7), 20.8, (1, 7)),
        ("6 s occlusion, over the grace: dwell restarts", [(12.0, 18.0)], None, 38.0, (1,)),
    ],
)
def test_loitering_dwell_survives_short_occlusions(
    case: str, gaps: list[tuple[float, float]], switch: tuple[float, int] | None, start_at: float, ids: tuple[int, ...]
) -> None:
    rule = LoiteringRule(type="loitering", zone="plaza", min_dwell=20.0, grace=3.0)
    events = of(run(_engine(rule), frames([_loiterer(gaps, switch)], fps=10, duration=40.0)), "loitering")
    starts = [e for e in events if e.phase == "start"]
    assert len(starts) == 1, case
    assert starts[0].t == pytest.approx(start_at, abs=0.11), case
    assert starts[0].attributes["zone"] == "plaza" and starts[0].attributes["dwell"] >= 20.0 - 0.11
    end = events[-1]
    assert end.phase == "end" and end.track_ids == ids, case
    assert end.started == starts[0].started


def test_loitering_update_names_both_ids_after_a_switch() -> None:
    rule = LoiteringRule(type="loitering", zone="plaza", min_dwell=5.0, grace=3.0)
    events = of(run(_engine(rule), frames([_loiterer([(12.0, 13.0)], (13.0, 7))], fps=10, duration=20.0)), "loitering")
    switched = [e for e in events if e.attributes.get("reason") == "track_switched"]
    assert len(switched) == 1 and switched[0].track_ids == (1, 7) and switched[0].phase == "update"


def test_overcrowding_and_the_occupancy_series() -> None:
    # five people walk into the zone one every 2 s from t = 1, stay until t = 12, then leave
    actors = []
    for k in range(5):
        y = 180.0 + 60 * k
        t_in = 1.0 + 2 * k
        actors.append(Actor(k + 1, [(0.0, 200.0, y), (t_in, 200.0, y), (t_in + 0.5, 450.0, y), (12.0, 450.0, y),
                                    (12.5 + 0.1 * k, 200.0, y), (14.0, 200.0, y)], H))  # fmt: skip
    rule = OvercrowdingRule(type="overcrowding", zone="plaza", max_count=3, min_duration=1.0, end_after=1.0)
    eng = _engine(rule)
    seq = frames(actors, fps=10, duration=14.0)
    events = of(run(eng, seq), "overcrowding")
    assert [e.phase for e in events] == ["start", "update", "end"]
    start, update, end = events
    # the 4th person crosses the zone edge (x = 320) at ~7.24 s; then 1 s sustained
    assert start.started == pytest.approx(7.3, abs=0.11) and start.t == pytest.approx(start.started + 1.0, abs=0.11)
    assert start.attributes["count"] == 4 and start.attributes["limit"] == 3 and len(start.track_ids) == 4
    assert update.attributes["count"] == 5 and update.attributes["reason"] == "peak"
    assert update.t == pytest.approx(9.3, abs=0.11) and len(update.track_ids) == 5
    assert end.t == pytest.approx(12.31 + 1.0, abs=0.11)  # the count falls to 3 at ~12.31 s
    occ = eng.occupancy()
    assert occ.frames_per_row == 1 and len(occ.times) == len(seq)
    assert occ.times[0] == 0.0 and occ.times[-1] == pytest.approx(14.0)
    counts = occ.counts["plaza"]
    assert counts.max() == 5 and counts[0] == 0 and counts[-1] == 0
    assert counts[int(10.0 * 10)] == 5 and occ.total[int(10.0 * 10)] == 5 and counts[int(6.0 * 10)] == 3


def test_occupancy_memory_is_bounded_and_keeps_peaks() -> None:
    eng = AnalyticsEngine("cam", zones=[ZONE], rules=[], occupancy_capacity=16)
    peak = Actor(9, [(0.0, 500.0, 400.0), (100.0, 500.0, 400.0)], H, appear=33.0, vanish=33.0)
    walker = Actor(1, [(0.0, 100.0, 400.0), (100.0, 100.0, 400.0)], H)
    run(eng, frames([walker, peak], fps=1, duration=99.0))
    occ = eng.occupancy()
    assert len(occ.times) <= 16 and occ.frames_per_row == 8
    assert occ.counts["plaza"].max() == 1  # the one-frame visit at t = 33 survives the merging
    assert list(occ.total).count(2) == 1 and occ.times[0] == 0.0


WALL_23H = datetime(2024, 1, 1, 23, 0, tzinfo=UTC).timestamp()  # a Monday
WALL_NOON = datetime(2024, 1, 1, 12, 0, tzinfo=UTC).timestamp()
NIGHT = ActiveHours(windows=({"start": "22:00", "end": "06:00"},), timezone="UTC")  # type: ignore[arg-type]


@pytest.mark.parametrize(("wall0", "expect"), [(WALL_23H, True), (WALL_NOON, False), (None, True)])
def test_intrusion_only_within_active_hours(wall0: float | None, expect: bool) -> None:
    intruder = Actor(4, [(0.0, 200.0, 300.0), (2.0, 400.0, 300.0), (6.0, 400.0, 300.0), (8.0, 200.0, 300.0)], H)
    car = Actor(5, [(0.0, 600.0, 60.0), (10.0, 600.0, 60.0)], H, cls="car")  # outside the zone
    rule = IntrusionRule(type="intrusion", zone="plaza", classes=("person", "car"), active_hours=NIGHT)
    events = of(run(_engine(rule), frames([intruder, car], fps=10, duration=10.0), wall0=wall0), "intrusion")
    if not expect:
        assert events == []
        return
    assert [e.phase for e in events] == ["start", "end"]
    assert events[0].track_ids == (4,) and events[0].attributes["classes"] == "person"
    assert events[0].t == pytest.approx(1.5, abs=0.11)  # in at 1.2 s, plus the 0.3 s debounce
    assert events[1].t == pytest.approx(6.8 + 2.0, abs=0.11)  # out at 6.8 s, plus end_after


@pytest.mark.parametrize(
    ("when", "days", "armed"),
    [
        (datetime(2024, 1, 1, 21, 59), ("mon",), False),
        (datetime(2024, 1, 1, 22, 0), ("mon",), True),
        (datetime(2024, 1, 2, 3, 0), ("mon",), True),  # Tuesday 03:00: the Monday-night window
        (datetime(2024, 1, 2, 6, 0), ("mon",), False),
        (datetime(2024, 1, 2, 23, 0), ("mon",), False),  # Tuesday night is not listed
        (datetime(2024, 1, 1, 3, 0), ("mon",), False),  # Monday 03:00 belongs to Sunday night
        (datetime(2024, 1, 7, 23, 30), ("sun",), True),
    ],
)
def test_active_hours_schedule(when: datetime, days: tuple[str, ...], armed: bool) -> None:
    hours = ActiveHours(windows=({"start": "22:00", "end": "06:00", "days": days},), timezone="Europe/Paris")  # type: ignore[arg-type]
    from zoneinfo import ZoneInfo

    wall = when.replace(tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    assert ActiveSchedule(hours).armed(wall) is armed


def test_zone_enter_and_exit_once_despite_edge_jitter() -> None:
    # walks right into the zone, wobbles on its edge (x = 320, +-6 px each frame), walks back out
    path = [(0.0, 200.0, 300.0), (2.0, 400.0, 300.0), (3.0, 400.0, 300.0), (4.0, 320.0, 300.0)]
    path += [(4.0 + 0.1 * k, 320.0 + (6.0 if k % 2 else -6.0), 300.0) for k in range(1, 30)]
    path += [(7.0, 320.0, 300.0), (8.0, 200.0, 300.0), (9.0, 200.0, 300.0)]
    person = Actor(3, path, H)
    events = run(
        _engine(ZoneEnterRule(type="zone_enter", zone="plaza"), ZoneExitRule(type="zone_exit", zone="plaza")),
        frames([person], fps=10, duration=9.0),
    )
    enters, exits = of(events, "zone_enter"), of(events, "zone_exit")
    assert [(e.phase, e.track_ids, e.attributes["class"]) for e in enters] == [("instant", (3,), "person")]
    assert len(exits) == 1 and exits[0].t > 7.0
    assert enters[0].t == pytest.approx(1.2 + 0.3, abs=0.11)


BAG = 25.0  # suitcase box height, pixels


@pytest.mark.parametrize(
    ("case", "owner_leaves_at", "expect_start"),
    [("owner walks away at 5 s", 5.0, 6.2), ("owner stays beside it", None, None)],
)
def test_unattended_bag(case: str, owner_leaves_at: float | None, expect_start: float | None) -> None:
    bag = Actor(20, [(1.0, 300.0, 400.0), (40.0, 300.0, 400.0)], BAG, cls="suitcase", width_ratio=1.2,
                gaps=[(12.0, 12.5)], switch=(12.5, 21))  # fmt: skip
    if owner_leaves_at is None:
        owner = Actor(1, [(0.0, 330.0, 400.0), (40.0, 335.0, 402.0)], H)
    else:
        owner = Actor(1, [(0.0, 330.0, 400.0), (owner_leaves_at, 330.0, 400.0), (owner_leaves_at + 4.0, 630.0, 400.0),
                          (40.0, 630.0, 400.0)], H)  # fmt: skip
    passer = Actor(2, [(20.0, 0.0, 200.0), (30.0, 640.0, 200.0)], H)  # walks by, never near
    rule = UnattendedObjectRule(type="unattended_object", min_duration=10.0)
    events = of(run(AnalyticsEngine("cam", rules=[rule]), frames([bag, owner, passer], fps=10, duration=40.0)),
                "unattended_object")  # fmt: skip
    if expect_start is None:
        assert events == [], case
        return
    assert [e.phase for e in events if e.phase != "update"] == ["start", "end"], case
    start = events[0]
    assert start.started == pytest.approx(expect_start, abs=0.11)  # when the owner is 1.5 bh away
    assert start.t == pytest.approx(start.started + 10.0, abs=0.11)
    assert start.attributes["class"] == "suitcase"
    assert start.track_ids == (20, 21)  # re-detected under a new id after a flicker at 12 s: the same object
    assert events[-1].phase == "end" and events[-1].t == pytest.approx(40.0)


def test_unattended_ends_when_a_person_returns() -> None:
    bag = Actor(20, [(0.0, 300.0, 400.0), (30.0, 300.0, 400.0)], BAG, cls="backpack", width_ratio=1.2)
    owner = Actor(1, [(15.0, 630.0, 400.0), (18.0, 320.0, 400.0), (30.0, 320.0, 400.0)], H)
    rule = UnattendedObjectRule(type="unattended_object", min_duration=10.0)
    events = run(AnalyticsEngine("cam", rules=[rule]), frames([bag, owner], fps=10, duration=30.0))
    assert [(e.phase, e.attributes.get("reason")) for e in of(events, "unattended_object")] == [
        ("start", None),
        ("end", "attended"),
    ]


def test_gathering_forms_grows_and_disperses() -> None:
    cx, cy = 330.0, 300.0
    actors = []
    for k in range(6):
        ang = 2 * math.pi * k / 6
        arrive = 1.0 + k if k < 4 else 12.0  # four by t = 4 (the group forms), a fifth and sixth at t = 12
        far = angle_path(cx, cy, 3.0 * H, 0.6 * H, ang, arrive - 2.0, arrive)
        stay = (20.0, far[1][1], far[1][2])
        leave = angle_path(cx, cy, 0.6 * H, 0.6 * H + 4.0 * 1.5 * H, ang, 20.0, 24.0)[1]
        actors.append(Actor(k + 1, far + [stay, leave], H, appear=arrive - 2.0))
    rules = [GatheringRule(type="gathering", min_people=4, min_duration=5.0), DispersalRule(type="dispersal")]
    events = run(AnalyticsEngine("cam", rules=rules), frames(actors, fps=10, duration=26.0))
    gathering = of(events, "gathering")
    assert [e.phase for e in gathering] == ["start", "update", "end"]
    start, grew, end = gathering
    assert 3.0 <= start.started <= 4.0 and start.t == pytest.approx(start.started + 5.0, abs=0.2)
    assert start.attributes["count"] == 4 and start.track_ids == (1, 2, 3, 4)
    assert grew.attributes["count"] == 6 and grew.attributes["reason"] == "grew" and 10.5 <= grew.t <= 12.0
    assert 20.0 < end.t < 24.0 and end.track_ids == (1, 2, 3, 4, 5, 6)
    dispersal = of(events, "dispersal", "start")
    assert len(dispersal) == 1 and 20.0 <= dispersal[0].t <= 21.5
    assert set(dispersal[0].track_ids) == set(range(1, 7))
