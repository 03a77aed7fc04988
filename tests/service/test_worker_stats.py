"""Zone counts, heat map and preview pacing, with an injected clock (no processes)."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest

from vigil.config.analytics import ZoneConfig
from vigil.detect.classes import CLASS_IDS, PERSON
from vigil.service.health import ALL, LineTotal
from vigil.service.worker_preview import PreviewSender
from vigil.service.worker_stats import HeatMap, ZoneCounter
from vigil.types import Frame, Tracks

SIZE = (200, 100)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def tracks(*feet: tuple[float, float], cls: int = PERSON) -> Tracks:
    """Boxes 10x20 px whose bottom centre is at each (x, y) pixel."""
    xyxy = [(x - 5, y - 20, x + 5, y) for x, y in feet]
    n = len(feet)
    return Tracks(np.array(xyxy, float).reshape(-1, 4), np.arange(1, n + 1), np.ones(n, np.float32), np.full(n, cls))


LEFT = ZoneConfig.model_validate({"name": "left", "points": [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]})


def test_counts_on_change_at_most_once_a_second_and_every_interval() -> None:
    clock = Clock()
    counter = ZoneCounter("cam", [LEFT], interval_s=5.0, clock=clock)
    sent = []
    # (time, feet): one person on the left, a second arrives on the right at 0.5 s, both stay
    script = [(0.0, [(50, 90)]), (0.5, [(50, 90), (150, 90)]), (1.2, [(50, 90), (150, 90)]),
              (3.0, [(50, 90), (150, 90)]), (6.3, [(50, 90), (150, 90)]), (6.5, [])]  # fmt: skip
    for t, feet in script:
        clock.now = t
        msg = counter.observe(tracks(*feet), SIZE, 1000.0 + t)
        if msg is not None:
            sent.append((t, msg.counts))
    assert sent == [
        (0.0, {"left": 1, ALL: 1}),
        (1.2, {"left": 1, ALL: 2}),  # the change at 0.5 s waits out the 1 s limit
        (6.3, {"left": 1, ALL: 2}),  # unchanged: again after the 5 s interval
    ]  # and the change at 6.5 s waits
    clock.now = 7.3
    msg = counter.observe(tracks(), SIZE, 1007.3)
    assert msg is not None and msg.counts == {"left": 0, ALL: 0}


def test_counts_are_of_people_only() -> None:
    counter = ZoneCounter("cam", [LEFT], clock=Clock())
    bags = tracks((50, 90), (60, 90), cls=CLASS_IDS["backpack"])
    assert counter.count(bags, SIZE) == {"left": 0, ALL: 0}


def test_heat_map_counts_feet_per_cell_and_sends_each_interval() -> None:
    clock = Clock()
    heat = HeatMap("cam", interval_s=10.0, grid_w=4, grid_h=2, clock=clock)
    assert heat.observe(tracks((10, 90), (190, 10)), SIZE, 100.0) is None
    clock.now = 5.0
    assert heat.observe(tracks((12, 95)), SIZE, 105.0) is None
    assert heat.observe(tracks((90, 10), cls=CLASS_IDS["car"]), SIZE, 106.0) is None  # people only
    clock.now = 10.0
    msg = heat.observe(tracks(), SIZE, 110.0)
    assert msg is not None and (msg.since, msg.wall) == (100.0, 110.0)
    assert msg.array().tolist() == [[0, 0, 0, 1], [2, 0, 0, 0]]
    clock.now = 25.0
    assert heat.observe(tracks(), SIZE, 125.0) is None  # nobody since: nothing is sent
    assert heat.flush() is None


def test_bad_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="min_interval_s"):
        ZoneCounter("cam", [], interval_s=0.5)
    with pytest.raises(ValueError, match="interval_s"):
        HeatMap("cam", interval_s=0.0)


def test_preview_rate_follows_the_viewers() -> None:
    clock = Clock()
    viewers = mp.get_context("spawn").Value("i", 0)
    preview = PreviewSender("cam", idle_s=1.0, fps=5.0, viewers=viewers, clock=clock)
    frame = Frame(np.zeros((100, 200, 3), np.uint8), 0, 0.0)

    ticks = 0

    def count(seconds: float) -> int:
        nonlocal ticks
        n = 0
        for _ in range(round(seconds * 20)):  # 20 frames a second, with jitter
            clock.now = ticks * 0.05 + (0.01 if ticks % 2 else -0.01)
            n += preview.observe(frame, tracks((50, 90)), clock.now) is not None
            ticks += 1
        return n

    assert count(4.0) == 4
    viewers.value = 3
    assert count(4.0) == 20
    viewers.value = 0
    assert count(4.0) == 4


def test_a_line_crossing_is_a_change_too() -> None:
    from vigil.analytics.rules import LineCounts

    clock = Clock()
    counter = ZoneCounter("cam", [], interval_s=60.0, clock=clock)
    crossed = {"door-count": LineCounts("door", {"person": 0}, {})}
    assert counter.observe(tracks(), SIZE, 0.0, lambda: crossed) is not None
    clock.now = 2.0
    assert counter.observe(tracks(), SIZE, 2.0, lambda: crossed) is None
    crossed = {"door-count": LineCounts("door", {"person": 1}, {"person": 2})}
    clock.now = 3.0
    msg = counter.observe(tracks(), SIZE, 3.0, lambda: crossed)
    assert msg is not None and msg.lines["door-count"] == LineTotal("door", 1, 2) and msg.counts == {ALL: 0}


@pytest.mark.parametrize("field", ["preview_idle_s", "preview_fps", "counts_interval_s", "heat_interval_s"])
def test_worker_settings_refuse_non_positive_periods(field: str) -> None:
    from vigil.service.worker import WorkerSettings

    with pytest.raises(ValueError, match=field):
        WorkerSettings(**{field: 0.0})  # type: ignore[arg-type]
