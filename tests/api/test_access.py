"""Every route needs credentials (enumerated from the app), per-camera isolation, roles, OpenAPI."""

from __future__ import annotations

from api_helpers import Api, make_event

from vigil.api import PUBLIC_API_ROUTES
from vigil.auth.testing import (
    assert_all_routes_require_auth,
    assert_camera_isolation,
    assert_camera_routes_enforced,
    iter_endpoints,
)
from vigil.config.analytics import RULE_TYPES


def test_every_route_without_credentials_is_401(api: Api) -> None:
    checked = assert_all_routes_require_auth(api.app, api.client, PUBLIC_API_ROUTES)
    paths = {ep.path for ep in checked}
    # the enumeration reaches every router (a sample of each) and the OpenAPI schema
    for path in (
        "/api/cameras",
        "/api/events",
        "/api/events/stream",
        "/api/events/{event_id}/media/{index}",
        "/api/cameras/{camera_id}/counts",
        "/api/cameras/{camera_id}/geometry",
        "/api/rules/schema",
        "/api/cameras/{camera_id}/overlay",
        "/api/cameras/{camera_id}/heatmap",
        "/api/stats/events",
        "/api/stats/lines",
        "/api/system",
        "/api/openapi.json",
        "/api/users",
        "/api/tokens",
    ):
        assert path in paths, path


def test_health_is_public(api: Api) -> None:
    r = api.client.get("/api/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_every_camera_route_checks_the_camera(api: Api) -> None:
    enforced = assert_camera_routes_enforced(api.app)
    assert len(enforced) >= 10
    assert ("GET", "/api/stats/lines") in {ep.key for ep in enforced}  # camera in the query


def test_viewer_of_a_is_denied_everything_of_b(api: Api) -> None:
    eps = assert_camera_isolation(
        api.app,
        api.client,
        headers=api.tokens["viewer_a"],
        denied_camera="B",
        allowed_camera="A",
    )
    assert {ep.path for ep in eps} >= {
        "/api/cameras/{camera_id}/live.mjpeg",
        "/api/cameras/{camera_id}/snapshot.jpg",
        "/api/cameras/{camera_id}/overlay",
        "/api/cameras/{camera_id}/heatmap",
        "/api/stats/lines",
    }
    # rules go through the camera's geometry: another camera's rules are neither read nor written
    assert ("GET", "/api/cameras/{camera_id}/geometry") in {ep.key for ep in eps}
    rules = {"zones": [], "lines": [], "rules": [{"type": "running"}]}
    assert api.put("viewer_a", "/api/cameras/B/geometry", json=rules).status_code == 403
    assert api.put("operator_a", "/api/cameras/B/geometry", json=rules).status_code == 403
    assert api.registry.applied == []
    assert api.put("admin", "/api/cameras/B/geometry", json=rules).status_code == 200  # the body is valid
    # the rule schema is no camera's: every logged-in user reads the same
    assert api.get("viewer_a", "/api/rules/schema").json() == api.get("viewer_b", "/api/rules/schema").json()


def test_viewer_of_a_gets_403_on_events_of_b_found_by_id(api: Api) -> None:
    eid = api.deps.events.record(make_event("B"))
    api.deps.events.attach_media(
        eid, "snapshot", "snap.jpg", api.deps.events.get(eid).started_at
    )
    (api.deps.data_dir / "snap.jpg").write_bytes(b"\xff\xd8x\xff\xd9")
    urls = [
        f"/api/events/{eid}",
        f"/api/events/{eid}/history",
        f"/api/events/{eid}/notes",
        f"/api/events/{eid}/media",
        f"/api/events/{eid}/media/0",
    ]
    for url in urls:
        assert api.get("viewer_a", url).status_code == 403, url
        assert api.get("viewer_b", url).status_code == 200, url
    assert api.get("viewer_a", "/api/events", params={"camera": "B"}).status_code == 403
    assert (
        api.get("viewer_a", "/api/events/stream", params={"camera": "B"}).status_code
        == 403
    )
    assert api.post("operator_a", f"/api/events/{eid}/ack").status_code == 403
    assert (
        api.post(
            "operator_a", f"/api/events/{eid}/notes", json={"text": "x"}
        ).status_code
        == 403
    )
    assert api.deps.events.get(eid).acknowledged_at is None


def test_camera_list_shows_only_allowed_cameras(api: Api) -> None:
    assert [c["id"] for c in api.get("viewer_a", "/api/cameras").json()] == ["A"]
    assert [c["id"] for c in api.get("admin", "/api/cameras").json()] == ["A", "B"]


def test_unknown_camera_is_404_for_admin(api: Api) -> None:
    assert api.get("admin", "/api/cameras/Z/health").status_code == 404
    assert api.get("admin", "/api/cameras/Z/geometry").status_code == 404


def test_openapi_needs_credentials_and_lists_routes(api: Api) -> None:
    assert api.client.get("/api/openapi.json").status_code == 401
    assert api.client.get("/docs").status_code == 404
    r = api.get("viewer_a", "/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/events" in paths and "/api/cameras/{camera_id}/geometry" in paths
    assert "/api/rules/schema" in paths
    # the geometry body documents its rules, one schema per rule type
    schemas = r.json()["components"]["schemas"]
    geometry = next(v for k, v in schemas.items() if k.startswith("Geometry"))
    rules = geometry["properties"]["rules"]["anyOf"][0]
    assert rules["type"] == "array" and len(rules["items"]["oneOf"]) == len(RULE_TYPES)
    assert "/api/openapi.json" not in paths
    # every documented route is a real route
    served = {ep.path for ep in iter_endpoints(api.app)}
    assert set(paths) <= served
