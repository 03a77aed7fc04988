"""Heat buckets (add into the hour, read a range, retention) and statistics (events per day,
line crossings per hour); on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from vigil.events import DayCount, EventStore, HeatGrid, LineHourCount, StoreError
from vigil.types import Event

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)  # a whole hour
H = timedelta(hours=1)


def grid(*cells: int) -> list[int]:
    return list(cells)


def test_heat_adds_into_the_hour_bucket(store: EventStore) -> None:
    store.record_heat("cam1", T0 + timedelta(minutes=1), 3, 2, grid(1, 0, 0, 0, 2, 0))
    store.record_heat("cam1", T0 + timedelta(minutes=59), 3, 2, grid(1, 1, 0, 0, 0, 5))
    store.record_heat("cam1", T0 + H, 3, 2, grid(0, 0, 7, 0, 0, 0))  # the next hour
    store.record_heat("cam2", T0, 3, 2, grid(9, 9, 9, 9, 9, 9))  # another camera
    first = store.heat("cam1", T0, T0 + H)
    assert first == HeatGrid(3, 2, [2, 1, 0, 0, 2, 5], 10, 1)
    # a range overlapping both hours adds both; a bucket counts when its hour overlaps the range
    both = store.heat("cam1", T0 + timedelta(minutes=30), T0 + H + timedelta(minutes=1))
    assert both == HeatGrid(3, 2, [2, 1, 7, 0, 2, 5], 17, 2)
    assert store.heat("cam1", T0 + H, T0 + 2 * H).cells == [0, 0, 7, 0, 0, 0]
    assert store.heat("cam1", T0 - 2 * H, T0) == HeatGrid(0, 0, [], 0, 0)  # until is exclusive
    assert store.heat("nope", T0, T0 + H).total == 0


def test_heat_after_a_grid_change_uses_the_latest_size(store: EventStore) -> None:
    store.record_heat("cam1", T0, 2, 1, [4, 4])
    store.record_heat("cam1", T0 + H, 1, 2, [1, 2])
    store.record_heat("cam1", T0 + 3 * H, 1, 2, [3, 0])
    assert store.heat("cam1", T0, T0 + 4 * H) == HeatGrid(1, 2, [4, 2], 6, 2)
    assert store.heat("cam1", T0, T0 + H) == HeatGrid(2, 1, [4, 4], 8, 1)


@pytest.mark.parametrize(
    ("w", "h", "cells", "match"),
    [
        (0, 2, [], "grid_w 0 must be 1 to 256"),
        (2, 257, [0] * 514, "grid_h 257 must be 1 to 256"),
        (2, 2, [1, 2, 3], "3 cells for a 2 x 2 grid; expected 4"),
        (2, 1, [1, -1], "must not be negative"),
    ],
)
def test_heat_input_is_checked(store: EventStore, w: int, h: int, cells: list[int], match: str) -> None:
    with pytest.raises(StoreError, match=match):
        store.record_heat("cam1", T0, w, h, cells)
    assert store.heat("cam1", T0, T0 + H).hours == 0


def test_heat_needs_aware_times(store: EventStore) -> None:
    with pytest.raises(StoreError, match="naive datetime"):
        store.record_heat("cam1", datetime(2024, 5, 1, 12), 1, 1, [1])
    with pytest.raises(StoreError, match="naive datetime"):
        store.heat("cam1", datetime(2024, 5, 1, 12), T0)


def test_concurrent_heat_writers_lose_nothing(store: EventStore) -> None:
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                store.record_heat("cam1", T0 + timedelta(minutes=5), 2, 2, [1, 0, 0, 1])
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert store.heat("cam1", T0, T0 + H) == HeatGrid(2, 2, [40, 0, 0, 40], 80, 1)


def test_retention_deletes_heat_buckets_that_ended_before_the_cutoff(store: EventStore) -> None:
    for k in range(4):
        store.record_heat("cam1", T0 + k * H, 1, 1, [k + 1])
    result = store.delete_older_than(1, now=T0 + 24 * H + 2 * H + timedelta(minutes=30))
    # cutoff 14:30 (a day earlier): the 12:00 and 13:00 hours ended before it; 14:00 overlaps it
    assert result.heat == 2
    assert store.heat("cam1", T0, T0 + 4 * H) == HeatGrid(1, 1, [3 + 4], 7, 2)


def record(store: EventStore, camera: str, kind: str, at: datetime, t: float, **attrs: str | float) -> str:
    attributes: dict[str, float | int | str | list[float]] = {"rule": f"{kind}-rule", **attrs}
    return store.record(Event(kind, "instant", t, camera, (int(t),), t, attributes), at=at)


def test_events_per_day(store: EventStore) -> None:
    day0 = datetime(2024, 5, 1, 0, 30, tzinfo=UTC)
    record(store, "cam1", "running", day0, 1)  # 00:30 on May 1
    record(store, "cam1", "running", day0 + 10 * H, 2)
    record(store, "cam1", "loitering", day0 + 11 * H, 3)
    record(store, "cam2", "running", day0 + 12 * H, 4)
    record(store, "cam1", "running", day0 + 24 * H, 5)  # May 2
    since, until = day0 - H, day0 + 48 * H
    assert store.events_per_day(None, since, until) == [
        DayCount(date(2024, 5, 1), "loitering-rule", "loitering", 1),
        DayCount(date(2024, 5, 1), "running-rule", "running", 3),
        DayCount(date(2024, 5, 2), "running-rule", "running", 1),
    ]
    assert store.events_per_day("cam2", since, until) == [DayCount(date(2024, 5, 1), "running-rule", "running", 1)]
    assert store.events_per_day(["cam1"], day0 + H, day0 + 11 * H) == [
        DayCount(date(2024, 5, 1), "running-rule", "running", 1)
    ]
    assert store.events_per_day([], since, until) == []
    # days of UTC-1: 00:30 UTC on May 1 is 23:30 on April 30 there
    west = store.events_per_day("cam1", since, until, utc_offset_s=-3600)
    assert west == [
        DayCount(date(2024, 4, 30), "running-rule", "running", 1),
        DayCount(date(2024, 5, 1), "loitering-rule", "loitering", 1),
        DayCount(date(2024, 5, 1), "running-rule", "running", 2),  # 00:30 on May 2 UTC is 23:30 on May 1
    ]
    with pytest.raises(StoreError, match="beyond"):
        store.events_per_day(None, since, until, utc_offset_s=15 * 3600)


def test_line_crossings_per_hour(store: EventStore) -> None:
    def cross(camera: str, minute: float, line: str, direction: str, cls: str = "person") -> None:
        at = T0 + timedelta(minutes=minute)
        record(store, camera, "line_crossing", at, minute * 60, line=line, direction=direction, **{"class": cls})

    cross("cam1", 1, "gate", "in")
    cross("cam1", 2, "gate", "in")
    cross("cam1", 3, "gate", "out")
    cross("cam1", 4, "gate", "in", cls="car")
    cross("cam1", 5, "door", "out")
    cross("cam1", 61, "gate", "out")
    cross("cam2", 6, "gate", "in")
    record(store, "cam1", "running", T0, 1.0)  # not a crossing
    got = store.line_crossings_per_hour("cam1", T0, T0 + 2 * H)
    assert got == [
        LineHourCount(T0, "door", "out", 1),
        LineHourCount(T0, "gate", "in", 3),
        LineHourCount(T0, "gate", "out", 1),
        LineHourCount(T0 + H, "gate", "out", 1),
    ]
    people = store.line_crossings_per_hour(["cam1"], T0, T0 + H, classes="person")
    assert [(c.line, c.direction, c.n) for c in people] == [("door", "out", 1), ("gate", "in", 2), ("gate", "out", 1)]
    assert [c.n for c in store.line_crossings_per_hour(None, T0, T0 + H, classes=["person"]) if c.line == "gate"] == [
        3, 1
    ]
    assert store.line_crossings_per_hour("cam1", T0 + 2 * H, T0 + 3 * H) == []
