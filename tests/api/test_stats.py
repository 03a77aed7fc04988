"""Heatmap, events per day and line crossings per hour: values, per-camera access, 422 naming
the field, defaults, and the routes in the OpenAPI schema with their response models."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from api_helpers import T0, Api, make_event

from vigil.auth.testing import assert_422_names_field
from vigil.types import Event

H = timedelta(hours=1)
RANGE = {"since": (T0 - 24 * H).isoformat(), "until": (T0 + 48 * H).isoformat()}


def cross(api: Api, cam: str, at: datetime, direction: str, cls: str = "person", line: str = "gate") -> None:
    t = (at - T0).total_seconds() + 1000.0
    attrs: dict[str, float | int | str | list[float]] = {
        "rule": "gate-count", "line": line, "direction": direction, "class": cls,
    }  # fmt: skip
    api.deps.events.record(Event("line_crossing", "instant", t, cam, (int(t),), t, attrs, 1.0), at=at)


def test_heatmap_adds_the_hours_of_the_range(api: Api) -> None:
    store = api.deps.events
    store.record_heat("A", T0 + timedelta(minutes=10), 2, 2, [1, 0, 0, 3])
    store.record_heat("A", T0 + H, 2, 2, [0, 2, 0, 0])
    store.record_heat("B", T0, 2, 2, [9, 9, 9, 9])
    params = {"since": T0.isoformat(), "until": (T0 + 2 * H).isoformat()}
    r = api.get("viewer_a", "/api/cameras/A/heatmap", params=params)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "camera": "A", "since": "2025-03-01T12:00:00Z", "until": "2025-03-01T14:00:00Z",
        "grid_w": 2, "grid_h": 2, "cells": [1, 2, 0, 3], "total": 6, "hours": 2,
    }  # fmt: skip
    first = api.get("viewer_a", "/api/cameras/A/heatmap", params={**params, "until": (T0 + H).isoformat()})
    assert first.json()["cells"] == [1, 0, 0, 3]
    assert api.get("viewer_a", "/api/cameras/B/heatmap", params=params).status_code == 403
    assert api.get("admin", "/api/cameras/Z/heatmap").status_code == 404
    # default range: the last 24 h, which holds nothing here
    empty = api.get("viewer_a", "/api/cameras/A/heatmap").json()
    assert (empty["grid_w"], empty["cells"], empty["total"], empty["hours"]) == (0, [], 0, 0)


def test_events_per_day_counts_only_the_callers_cameras(api: Api) -> None:
    store = api.deps.events
    store.record(make_event("A", "gathering", t=1.0, ids=(1,)), at=T0)
    store.record(make_event("A", "gathering", t=2.0, ids=(2,)), at=T0 + H)
    store.record(make_event("A", "loitering", t=3.0, ids=(3,)), at=T0 + 24 * H)
    store.record(make_event("B", "gathering", t=4.0, ids=(4,)), at=T0)
    viewer = api.get("viewer_a", "/api/stats/events", params=RANGE)
    assert viewer.status_code == 200, viewer.text
    body = viewer.json()
    assert body["cameras"] == ["A"] and body["utc_offset_min"] == 0
    assert body["days"] == [
        {"day": "2025-03-01", "rule": "gathering", "kind": "gathering", "n": 2},
        {"day": "2025-03-02", "rule": "loitering", "kind": "loitering", "n": 1},
    ]
    admin = api.get("admin", "/api/stats/events", params=RANGE).json()
    assert admin["cameras"] is None
    assert [(d["day"], d["rule"], d["n"]) for d in admin["days"]] == [
        ("2025-03-01", "gathering", 3), ("2025-03-02", "loitering", 1),
    ]  # fmt: skip
    only_b = api.get("admin", "/api/stats/events", params={**RANGE, "camera": "B"}).json()
    assert only_b["cameras"] == ["B"] and [d["n"] for d in only_b["days"]] == [1]
    assert api.get("viewer_a", "/api/stats/events", params={**RANGE, "camera": "B"}).status_code == 403
    # days at UTC-13:00: 12:00 and 13:00 UTC on March 1 fall on February 28 and March 1 there,
    # 12:00 UTC on March 2 (loitering) on March 1
    west = api.get("viewer_a", "/api/stats/events", params={**RANGE, "utc_offset_min": -780}).json()
    assert [(d["day"], d["n"]) for d in west["days"]] == [("2025-02-28", 1), ("2025-03-01", 1), ("2025-03-01", 1)]


def test_line_crossings_per_hour(api: Api) -> None:
    cross(api, "A", T0 + timedelta(minutes=5), "in")
    cross(api, "A", T0 + timedelta(minutes=6), "in")
    cross(api, "A", T0 + timedelta(minutes=7), "out")
    cross(api, "A", T0 + timedelta(minutes=8), "in", cls="car")
    cross(api, "A", T0 + H + timedelta(minutes=1), "out")
    cross(api, "B", T0, "in")
    r = api.get("viewer_a", "/api/stats/lines", params={**RANGE, "camera": "A"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["camera"] == "A" and body["classes"] is None
    assert body["hours"] == [
        {"hour": "2025-03-01T12:00:00Z", "line": "gate", "direction": "in", "n": 3},
        {"hour": "2025-03-01T12:00:00Z", "line": "gate", "direction": "out", "n": 1},
        {"hour": "2025-03-01T13:00:00Z", "line": "gate", "direction": "out", "n": 1},
    ]
    people = api.get("viewer_a", "/api/stats/lines", params={**RANGE, "camera": "A", "class": "person"}).json()
    assert people["classes"] == ["person"]
    assert [(h["direction"], h["n"]) for h in people["hours"]][:1] == [("in", 2)]
    assert api.get("viewer_a", "/api/stats/lines", params={**RANGE, "camera": "B"}).status_code == 403
    assert api.get("admin", "/api/stats/lines", params={"camera": "Z"}).status_code == 404


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/cameras/A/heatmap", {"since": "2025-03-02T00:00:00Z", "until": "2025-03-01T00:00:00Z"}, "until"),
        ("/api/cameras/A/heatmap", {"since": "2025-03-01T00:00:00"}, "since"),
        ("/api/cameras/A/heatmap", {"since": "2023-01-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}, "since"),
        ("/api/cameras/A/heatmap", {"until": "yesterday"}, "until"),
        ("/api/stats/events", {"since": "2025-03-02T00:00:00Z", "until": "2025-03-02T00:00:00Z"}, "until"),
        ("/api/stats/events", {"utc_offset_min": 900}, "utc_offset_min"),
        ("/api/stats/lines", {}, "camera"),
        ("/api/stats/lines", {"camera": "A", "until": "2025-03-01T00:00:00+01:00",
                              "since": "2025-03-01T00:00:00Z"}, "until"),
    ],
)
def test_bad_input_is_422_naming_the_field(api: Api, url: str, params: dict[str, object], field: str) -> None:
    assert_422_names_field(api.get("viewer_a", url, params=params), field)


def test_new_routes_are_in_the_openapi_schema_with_response_models(api: Api) -> None:
    schema = api.get("viewer_a", "/api/openapi.json").json()
    expected = {
        "/api/cameras/{camera_id}/heatmap": "HeatmapOut",
        "/api/cameras/{camera_id}/overlay": "OverlayOut",
        "/api/stats/events": "EventsPerDayOut",
        "/api/stats/lines": "LineStatsOut",
        "/api/system": "SystemOut",
    }
    for path, model in expected.items():
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{model}"}, path
    components = schema["components"]["schemas"]
    assert "cpu_percent" in components["CameraHealthOut"]["properties"]
    assert set(components["SystemOut"]["properties"]) == {"version", "cameras", "storage", "outbox"}
