"""Events: filters, cursor paging, acknowledgement, notes, history; 422 names the bad field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from api_helpers import T0, Api, make_event

from vigil.auth.testing import assert_422_names_field


@pytest.fixture
def seeded(api: Api) -> dict[str, str]:
    """Five events on A (rules gathering/loitering, zones door/hall), two on B, a minute apart."""
    store = api.deps.events
    ids = {}
    specs = [
        ("a0", "A", "gathering", "door"),
        ("a1", "A", "loitering", "hall"),
        ("a2", "A", "gathering", "door"),
        ("a3", "A", "gathering", "hall"),
        ("a4", "A", "loitering", "door"),
        ("b0", "B", "gathering", "door"),
        ("b1", "B", "gathering", "door"),
    ]
    for i, (key, cam, rule, zone) in enumerate(specs):
        ids[key] = store.record(
            make_event(cam, rule, zone, t=float(i), ids=(i,)),
            at=T0 + timedelta(minutes=i),
        )
    return ids


def test_filters_by_camera_rule_zone_and_time(api: Api, seeded: dict[str, str]) -> None:
    def ids(user: str, **params: object) -> list[str]:
        r = api.get(user, "/api/events", params=params)
        assert r.status_code == 200, r.text
        return [e["id"] for e in r.json()["items"]]

    assert ids("admin") == [
        seeded[k] for k in ("b1", "b0", "a4", "a3", "a2", "a1", "a0")
    ]
    assert ids("admin", camera="B") == [seeded["b1"], seeded["b0"]]
    assert ids("viewer_a") == [seeded[k] for k in ("a4", "a3", "a2", "a1", "a0")]
    assert ids("viewer_a", rule="loitering") == [seeded["a4"], seeded["a1"]]
    assert ids("viewer_a", zone="door", rule="gathering") == [
        seeded["a2"],
        seeded["a0"],
    ]
    since = (T0 + timedelta(minutes=1)).isoformat()
    until = (T0 + timedelta(minutes=3)).isoformat()
    assert ids("admin", since=since, until=until) == [seeded["a2"], seeded["a1"]]
    assert ids("viewer_b", rule="loitering") == []


def test_paging_with_cursor_visits_each_event_once(
    api: Api, seeded: dict[str, str]
) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 2, "camera": "A"}
        if cursor:
            params["cursor"] = cursor
        body = api.get("viewer_a", "/api/events", params=params).json()
        seen += [e["id"] for e in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [seeded[k] for k in ("a4", "a3", "a2", "a1", "a0")]


def test_event_json_has_the_stored_fields(api: Api, seeded: dict[str, str]) -> None:
    e = api.get("viewer_a", f"/api/events/{seeded['a1']}").json()
    assert e["camera"] == "A" and e["rule"] == "loitering" and e["zone"] == "hall"
    assert e["phase"] == "instant" and e["active"] is False and e["track_ids"] == [1]
    assert e["acknowledged_at"] is None
    history = api.get("viewer_a", f"/api/events/{seeded['a1']}/history").json()
    assert [h["phase"] for h in history] == ["instant"]
    assert api.get("admin", "/api/events/nope").status_code == 404


def test_acknowledge_needs_operator_and_stores_who_and_note(
    api: Api, seeded: dict[str, str]
) -> None:
    eid = seeded["a0"]
    assert api.post("viewer_a", f"/api/events/{eid}/ack").status_code == 403
    r = api.post("operator_a", f"/api/events/{eid}/ack", json={"note": "checked"})
    assert r.status_code == 200, r.text
    assert r.json()["acknowledged_by"].startswith("operator_a")
    assert r.json()["acknowledged_at"] is not None
    notes = api.get("viewer_a", f"/api/events/{eid}/notes").json()
    assert [n["text"] for n in notes] == ["checked"]
    acked = api.get("viewer_a", "/api/events", params={"acknowledged": True}).json()
    assert [e["id"] for e in acked["items"]] == [eid]
    # without a body, and a second time: the first acknowledgement wins
    assert (
        api.post("admin", f"/api/events/{eid}/ack").json()["acknowledged_by"]
        == (r.json()["acknowledged_by"])
    )
    assert api.post("operator_a", "/api/events/nope/ack").status_code == 404


def test_notes_need_operator(api: Api, seeded: dict[str, str]) -> None:
    eid = seeded["a0"]
    url = f"/api/events/{eid}/notes"
    assert api.post("viewer_a", url, json={"text": "hi"}).status_code == 403
    r = api.post("operator_a", url, json={"text": "hi"})
    assert r.status_code == 201 and r.json()["author"].startswith("operator_a")
    assert_422_names_field(api.post("operator_a", url, json={"text": ""}), "text")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-03-01T12:00:00"}, "since"),  # no timezone
        (
            {"since": "2025-03-01T12:00:00Z", "until": "2025-03-01T11:00:00Z"},
            "until",
        ),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"acknowledged": "maybe"}, "acknowledged"),
    ],
)
def test_bad_query_is_422_naming_the_field(
    api: Api, params: dict[str, object], field: str
) -> None:
    assert_422_names_field(api.get("viewer_a", "/api/events", params=params), field)


def test_ack_body_is_validated(api: Api, seeded: dict[str, str]) -> None:
    r = api.post(
        "operator_a", f"/api/events/{seeded['a0']}/ack", json={"note": "x", "extra": 1}
    )
    assert_422_names_field(r, "extra")


def test_store_failure_is_503_without_details(api: Api, seeded: dict[str, str]) -> None:
    api.deps.events.close()
    db = Path(api.deps.events.url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    r = api.get("viewer_a", "/api/events")
    assert r.status_code == 503
    assert "sqlite" not in r.text and "events.db" not in r.text


def test_active_filter(api: Api) -> None:
    store = api.deps.events
    running = store.record(make_event("A", phase="start", ids=(7,)), at=T0)
    done = store.record(make_event("A", phase="instant", ids=(8,), t=2.0), at=T0)
    active = api.get("viewer_a", "/api/events", params={"active": True}).json()["items"]
    assert [(e["id"], e["active"]) for e in active] == [(running, True)]
    ended = api.get("viewer_a", "/api/events", params={"active": False}).json()["items"]
    assert [e["id"] for e in ended] == [done]
