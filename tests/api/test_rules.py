"""Rules in the geometry API (read, replace, 422 naming the field) and GET /api/rules/schema."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import Api

from vigil.config.analytics import RULE_TYPES, LoiteringRule

URL = "/api/cameras/A/geometry"
ZONES = [
    {"name": "door", "points": [[0, 0], [0.5, 0], [0.5, 0.5]]},
    {"name": "hall", "points": [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]},
]
LINES = [{"name": "gate", "points": [[0.1, 0.9], [0.9, 0.9]]}]
RULES: list[dict[str, Any]] = [
    {"type": "running"},
    {"type": "loitering", "name": "loiter-hall", "zone": "hall", "min_dwell": 45},
    {"type": "line_crossing", "line": "gate", "classes": ["person", "car"]},
]


def body(rules: list[dict[str, Any]] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"zones": ZONES, "lines": LINES}
    if rules is not None:
        out["rules"] = rules
    return out


def schema(api: Api) -> dict[str, dict[str, Any]]:
    """GET /api/rules/schema as {type: {..., "params": {name: param}}}."""
    r = api.get("viewer_a", "/api/rules/schema")
    assert r.status_code == 200, r.text
    return {
        t["type"]: {**t, "params": {p["name"]: p for p in t["params"]}}
        for t in r.json()["rules"]
    }


# -- geometry with rules -------------------------------------------------------------------


def test_get_geometry_includes_the_cameras_rules(api: Api) -> None:
    got = api.get("viewer_a", URL).json()
    (rule,) = got["rules"]
    assert rule["type"] == "gathering" and rule["zone"] == "door"
    assert rule["min_people"] == 4 and rule["min_duration"] == 10.0  # defaults spelled out


def test_put_with_rules_replaces_them_on_that_camera_only(api: Api) -> None:
    b_before = api.registry.camera_config("B")
    r = api.put("admin", URL, json=body(RULES))
    assert r.status_code == 200, r.text
    assert [x["type"] for x in r.json()["rules"]] == [
        "running",
        "loitering",
        "line_crossing",
    ]
    ((camera, cfg),) = api.registry.applied
    assert camera == "A" and [x.rule_name for x in cfg.rules] == [
        "running",
        "loiter-hall",
        "line_crossing",
    ]
    loiter = cfg.rules[1]
    assert isinstance(loiter, LoiteringRule) and loiter.min_dwell == 45.0
    assert cfg.source == "rtsp://10.0.0.1/A" and [z.name for z in cfg.zones] == [
        "door",
        "hall",
    ]
    assert api.registry.camera_config("B") == b_before
    got = api.get("viewer_a", URL).json()
    assert got["rules"][1]["min_dwell"] == 45.0 and got["rules"][2]["classes"] == [
        "person",
        "car",
    ]
    assert (
        api.get("viewer_b", "/api/cameras/B/geometry").json()["rules"][0]["type"]
        == "gathering"
    )
    entry = next(a for a in api.deps.auth.list_audit() if a.action == "camera.geometry")
    assert entry.target == "camera A" and entry.details["rules_replaced"] is True
    assert entry.details["rules"] == [
        {"type": "running"},
        {"type": "loitering", "name": "loiter-hall", "zone": "hall", "min_dwell": 45.0},
        {"type": "line_crossing", "line": "gate", "classes": ["person", "car"]},
    ]


@pytest.mark.parametrize("rules", [None, "null"])
def test_put_without_rules_keeps_them(api: Api, rules: str | None) -> None:
    sent = body(None) if rules is None else {**body(None), "rules": None}
    r = api.put("admin", URL, json=sent)
    assert r.status_code == 200, r.text
    assert [x["type"] for x in r.json()["rules"]] == ["gathering"]
    ((_, cfg),) = api.registry.applied
    assert [x.type for x in cfg.rules] == ["gathering"]
    entry = next(a for a in api.deps.auth.list_audit() if a.action == "camera.geometry")
    assert entry.details["rules_replaced"] is False
    assert entry.details["rules"] == [{"type": "gathering", "zone": "door"}]


def test_put_empty_rules_removes_them(api: Api) -> None:
    r = api.put("admin", URL, json=body([]))
    assert r.status_code == 200, r.text
    assert r.json()["rules"] == []
    ((_, cfg),) = api.registry.applied
    assert cfg.rules == ()  # not the config's default rules


def test_what_get_returns_can_be_put_back_unchanged(api: Api) -> None:
    assert api.put("admin", URL, json=body(RULES)).status_code == 200
    got = api.get("admin", URL).json()
    again = api.put("admin", URL, json=got)
    assert again.status_code == 200, again.text
    assert again.json() == got
    assert api.registry.applied[0][1] == api.registry.applied[1][1]


def test_rule_changes_need_an_admin(api: Api) -> None:
    for user in ("viewer_a", "operator_a"):
        assert api.put(user, URL, json=body([])).status_code == 403
    assert api.registry.applied == []


BAD_RULES: list[tuple[str, list[dict[str, Any]], list[str | int]]] = [
    # (what, rules, loc of the error)
    (
        "out of bounds",
        [{"type": "running"}, {"type": "loitering", "zone": "hall", "min_dwell": 0}],
        ["rules", 1, "min_dwell"],
    ),
    (
        "not a number",
        [{"type": "loitering", "zone": "hall", "min_dwell": "long"}],
        ["rules", 0, "min_dwell"],
    ),
    (
        "frames instead of seconds",
        [{"type": "loitering", "zone": "hall", "min_dwell_frames": 900}],
        ["rules", 0, "min_dwell_frames"],
    ),
    ("unknown type", [{"type": "fighting"}], ["rules", 0, "type"]),
    ("no type", [{"zone": "door"}], ["rules", 0, "type"]),
    ("zone missing", [{"type": "intrusion"}], ["rules", 0, "zone"]),
    ("required count", [{"type": "overcrowding"}], ["rules", 0, "max_count"]),
    (
        "unknown class",
        [{"type": "running", "classes": ["person", "pedestrian"]}],
        ["rules", 0, "classes"],
    ),
    (
        "time of day",
        [
            {
                "type": "intrusion",
                "zone": "door",
                "active_hours": {"windows": [{"start": "25:00", "end": "06:00"}]},
            }
        ],
        ["rules", 0, "active_hours", "windows", 0, "start"],
    ),
    (
        "zone not in the body",
        [{"type": "running"}, {"type": "gathering"}, {"type": "loitering", "zone": "yard"}],
        ["rules", 2, "zone"],
    ),
    ("line not in the body", [{"type": "line_crossing", "line": "exit"}], ["rules", 0, "line"]),
    (
        "duplicate names",
        [{"type": "running"}, {"type": "running"}],
        ["rules", 1, "name"],
    ),
    (
        "duplicate given names",
        [
            {"type": "loitering", "name": "x", "zone": "hall"},
            {"type": "intrusion", "name": "x", "zone": "door"},
        ],
        ["rules", 1, "name"],
    ),
]


@pytest.mark.parametrize(
    ("rules", "loc"), [(r, loc) for _, r, loc in BAD_RULES], ids=[w for w, _, _ in BAD_RULES]
)
def test_bad_rules_are_422_at_the_field_and_not_applied(
    api: Api, rules: list[dict[str, Any]], loc: list[str | int]
) -> None:
    before = api.get("admin", URL).json()
    r = api.put("admin", URL, json=body(rules))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert [e["loc"] for e in detail] == [["body", *loc]]
    assert detail[0]["msg"] and "camera 'video'" not in detail[0]["msg"]
    assert api.registry.applied == []
    assert api.get("admin", URL).json() == before


def test_errors_name_the_rule_and_the_camera_where_it_is_known(api: Api) -> None:
    bounds = api.put("admin", URL, json=body([{"type": "loitering", "name": "lo", "zone": "hall", "min_dwell": -5}]))
    assert bounds.json()["detail"][0]["msg"] == (
        "rule 'lo' (loitering): min_dwell: Input should be greater than 0"
    )
    unknown = api.put("admin", URL, json=body([{"type": "fighting"}]))
    assert "known types: running," in unknown.json()["detail"][0]["msg"]
    ref = api.put("admin", URL, json=body([{"type": "loitering", "name": "lo", "zone": "yard"}]))
    assert ref.json()["detail"][0]["msg"] == (
        "camera 'A': rule 'lo' (loitering): zone 'yard' is not defined (defined zones: door, hall)"
    )


def test_removing_a_zone_that_a_new_rule_uses_is_422(api: Api) -> None:
    rules = [{"type": "loitering", "zone": "door"}]
    r = api.put("admin", URL, json={"zones": [ZONES[1]], "lines": [], "rules": rules})
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "rules", 0, "zone"]]
    # the same zone removed while the rules move to the remaining zone: accepted
    ok = api.put("admin", URL, json={"zones": [ZONES[1]], "lines": [], "rules": [{"type": "loitering", "zone": "hall"}]})
    assert ok.status_code == 200, ok.text


# -- the schema of the rules ------------------------------------------------------------------


def test_rule_schema_needs_a_login_and_holds_no_camera_data(api: Api) -> None:
    assert api.client.get("/api/rules/schema").status_code == 401
    seen = {u: api.get(u, "/api/rules/schema") for u in ("viewer_a", "viewer_b", "operator_a", "admin")}
    assert {r.status_code for r in seen.values()} == {200}
    assert len({r.text for r in seen.values()}) == 1  # the same for everyone
    text = seen["admin"].text
    for camera_data in ("door", "gate", "rtsp://", "10.0.0.1"):
        assert camera_data not in text


def test_rule_schema_lists_every_rule_type_with_its_needs(api: Api) -> None:
    types = schema(api)
    assert list(types) == list(RULE_TYPES)
    assert (types["loitering"]["zone"], types["loitering"]["line"]) == ("required", "none")
    assert (types["line_crossing"]["zone"], types["line_crossing"]["line"]) == ("none", "required")
    assert (types["running"]["zone"], types["running"]["line"]) == ("optional", "none")
    assert types["loitering"]["description"] == (
        "Dwell in a zone for longer than min_dwell, tolerant of short occlusions and id switches."
    )
    assert "type" not in types["running"]["params"]
    assert types["loitering"]["params"]["zone"]["refers_to"] == "zone"
    assert types["line_crossing"]["params"]["line"]["refers_to"] == "line"


def test_rule_schema_parameters(api: Api) -> None:
    types = schema(api)
    dwell = types["loitering"]["params"]["min_dwell"]
    assert (dwell["type"], dwell["default"], dwell["unit"], dwell["required"]) == ("number", 60.0, "s", False)
    assert (dwell["exclusive_minimum"], dwell["maximum"], dwell["minimum"]) == (0.0, 86400.0, None)
    assert dwell["description"] == "Seconds in the zone before the event starts."
    grace = types["loitering"]["params"]["grace"]  # declared as Seconds; its text says "time"
    assert (grace["unit"], grace["minimum"]) == ("s", 0.0)
    speed = types["running"]["params"]["min_speed"]
    assert (speed["unit"], speed["unit_calibrated"], speed["nullable"], speed["default"]) == ("bh/s", "m/s", True, None)
    assert (speed["default_when_null"], speed["default_when_null_calibrated"]) == (1.4, 2.38)
    hyst = types["line_crossing"]["params"]["hysteresis"]
    assert (hyst["unit"], hyst["unit_calibrated"], hyst["default_when_null"], hyst["minimum"]) == ("bh", "m", 0.2, 0.0)
    count = types["overcrowding"]["params"]["max_count"]
    assert (count["type"], count["required"], count["minimum"], count["unit"]) == ("integer", True, 0, None)
    classes = types["unattended_object"]["params"]["classes"]
    assert (classes["type"], classes["item_type"], classes["min_items"]) == ("array", "string", 1)
    assert classes["default"] == ["backpack", "handbag", "suitcase"] and "person" in classes["choices"]
    assert types["line_crossing"]["params"]["classes"]["nullable"] is True
    hours = types["intrusion"]["params"]["active_hours"]
    assert hours["type"] == "object" and hours["nullable"] is True
    window = hours["json_schema"]["anyOf"][0]["properties"]["windows"]["items"]
    assert window["required"] == ["start", "end"] and "$ref" not in str(hours["json_schema"])
    assert speed["json_schema"] is None
    doc = api.get("admin", "/api/rules/schema").json()
    assert doc["body_height_m"] == 1.7 and set(doc["units"]) == {"s", "bh", "bh/s", "m", "m/s"}


DIMENSIONLESS = {"min_people", "min_share", "accel_ratio", "motion_share", "motion_surge", "max_count"}
"""Counts, shares and ratios: every other number a rule takes has a unit."""


def test_every_number_has_a_unit_unless_it_is_a_count_or_ratio(api: Api) -> None:
    for rtype, t in schema(api).items():
        for name, p in t["params"].items():
            if p["type"] in ("number", "integer"):
                assert (p["unit"] is None) == (name in DIMENSIONLESS), f"{rtype}.{name}: unit {p['unit']}"
                if p["unit"] in ("bh", "bh/s") and p["nullable"]:
                    assert p["default_when_null"] is not None, f"{rtype}.{name}"


def _rule_at_the_limits(t: dict[str, Any]) -> dict[str, Any]:
    """A rule of type `t` with every number at its largest accepted value, built from the schema alone."""
    rule: dict[str, Any] = {"type": t["type"]}
    for name, p in t["params"].items():
        if p["refers_to"]:
            rule[name] = {"zone": "door", "line": "gate"}[p["refers_to"]]
        elif p["type"] in ("number", "integer"):
            rule[name] = p["maximum"] if p["maximum"] is not None else p["exclusive_maximum"] - 1
        elif p["required"]:
            raise AssertionError(f"{t['type']}.{name}: add a value for this required parameter")
    return rule


def test_the_schemas_bounds_are_what_put_accepts(api: Api) -> None:
    """Every rule at its maxima is accepted; a number just past a bound is refused at that field."""
    for rtype, t in schema(api).items():
        rule = _rule_at_the_limits(t)
        ok = api.put("admin", URL, json=body([rule]))
        assert ok.status_code == 200, f"{rtype}: {ok.text}"
        for name, p in t["params"].items():
            if p["type"] not in ("number", "integer"):
                continue
            low = p["minimum"] if p["minimum"] is not None else p["exclusive_minimum"]
            past = {"maximum": p["maximum"] + 1, "minimum": low - 1 if p["minimum"] is not None else low}
            for side, value in past.items():
                r = api.put("admin", URL, json=body([{**rule, name: value}]))
                assert r.status_code == 422, f"{rtype}.{name} {side}: {value} accepted"
                assert [e["loc"] for e in r.json()["detail"]] == [["body", "rules", 0, name]], f"{rtype}.{name}"


def test_camera_says_whether_its_lengths_are_metres(api: Api) -> None:
    """The form shows bh/bh/s, or m/m/s on a calibrated camera (GET /api/cameras/{id})."""
    assert api.get("viewer_a", "/api/cameras/A").json()["calibrated"] is False
    cfg = api.registry.camera_config("A")
    ground = [[0, 0], [1, 0], [1, 1], [0, 1]]
    calibration = {"image_points": [[0.1, 0.5], [0.9, 0.5], [0.9, 0.9], [0.1, 0.9]], "ground_points": ground}
    api.registry.apply_camera_config("A", cfg.model_validate({**cfg.model_dump(), "calibration": calibration}))
    assert api.get("viewer_a", "/api/cameras/A").json()["calibrated"] is True
    assert [c["calibrated"] for c in api.get("admin", "/api/cameras").json()] == [True, False]
