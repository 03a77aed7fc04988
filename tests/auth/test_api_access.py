"""Who can reach what: 401 without credentials on every route, camera isolation, roles, tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from auth_helpers import FakeClock, add_user, bearer, build_app, login
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from vigil.auth import AuthSettings, AuthStore, Role, require_user
from vigil.auth.testing import (
    PUBLIC_ROUTES,
    assert_all_routes_require_auth,
    assert_camera_isolation,
    assert_camera_routes_enforced,
    iter_endpoints,
)

PUBLIC = {**PUBLIC_ROUTES, ("GET", "/api/health"): "liveness probe; answers only {'status': 'ok'}"}

CAMERA_GETS = [
    "/api/cameras/{cam}/events",
    "/api/cameras/{cam}/snapshots/latest.jpg",
    "/api/cameras/{cam}/clips/7",
    "/api/cameras/{cam}/live.mjpeg",
    "/api/cameras/{cam}/counts",
    "/api/counts?camera_id={cam}",
]


def test_every_route_without_credentials_is_401(app: FastAPI, client: TestClient) -> None:
    checked = assert_all_routes_require_auth(app, client, PUBLIC)
    keys = {ep.key for ep in checked}
    # The enumeration reaches the auth package's own routes, the camera routes and the WebSocket.
    assert ("GET", "/api/users") in keys and ("DELETE", "/api/tokens/{token_id}") in keys
    assert ("POST", "/api/cameras/{camera_id}/events/{event_id}/ack") in keys
    assert ("WEBSOCKET", "/api/cameras/{camera_id}/live") in keys
    assert ("POST", "/api/auth/logout") in keys
    assert len(checked) == len(iter_endpoints(app)) - len(PUBLIC)


def test_route_enumeration_catches_an_unprotected_route(store: AuthStore, clock: FakeClock) -> None:
    app = build_app(store, clock)

    @app.get("/api/forgotten/{thing_id}")
    def forgotten(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    with TestClient(app) as client, pytest.raises(AssertionError, match=r"GET /api/forgotten/\{thing_id\}: 200"):
        assert_all_routes_require_auth(app, client, PUBLIC)


def test_route_enumeration_sees_into_mounts(store: AuthStore, clock: FakeClock, tmp_path: Path) -> None:
    app = build_app(store, clock)
    (tmp_path / "login.css").write_text("body {}")
    app.mount("/assets", StaticFiles(directory=tmp_path))
    sub = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @sub.get("/open")
    def open_route() -> dict[str, str]:
        return {"open": "yes"}

    app.mount("/sub", sub)
    with TestClient(app) as client:
        with pytest.raises(AssertionError) as failed:
            assert_all_routes_require_auth(app, client, PUBLIC)
        assert "/assets: a mount without routes cannot be checked" in str(failed.value)
        assert "GET /sub/open: 200" in str(failed.value)
        public = {
            **PUBLIC,
            ("*", "/assets"): "login page styles, needed before anyone can log in",
            ("GET", "/sub/open"): "a sub-app route that is public on purpose",
        }
        assert_all_routes_require_auth(app, client, public)


def test_route_enumeration_rejects_stale_or_unexplained_public_entries(app: FastAPI, client: TestClient) -> None:
    with pytest.raises(AssertionError, match="matches no route"):
        assert_all_routes_require_auth(app, client, {**PUBLIC, ("GET", "/api/gone"): "removed long ago"})
    with pytest.raises(AssertionError, match="needs a reason"):
        assert_all_routes_require_auth(app, client, {**PUBLIC, ("GET", "/api/health"): " "})
    # Without the health entry the public health route is reported.
    with pytest.raises(AssertionError, match="GET /api/health: 200"):
        assert_all_routes_require_auth(app, client, PUBLIC_ROUTES)


def test_every_camera_route_checks_its_camera(app: FastAPI, store: AuthStore, clock: FakeClock) -> None:
    checked = assert_camera_routes_enforced(app)
    assert {ep.path for ep in checked} >= {"/api/cameras/{camera_id}/events", "/api/counts"}

    broken = build_app(store, clock)

    @broken.get("/api/cameras/{camera_id}/heatmap")
    def heatmap(camera_id: str, who: object = Depends(require_user)) -> dict[str, str]:
        return {"camera": camera_id}

    with pytest.raises(AssertionError, match=r"GET /api/cameras/\{camera_id\}/heatmap: no require_camera"):
        assert_camera_routes_enforced(broken)


def test_viewer_of_a_is_denied_everything_of_b(app: FastAPI, client: TestClient, store: AuthStore) -> None:
    viewer = add_user(store, "vera", Role.VIEWER, ("A",))
    headers = bearer(store, viewer)
    checked = assert_camera_isolation(app, client, headers=headers, denied_camera="B", allowed_camera="A")
    assert len(checked) == 9
    for path in CAMERA_GETS:
        assert client.get(path.format(cam="A"), headers=headers).status_code == 200, path
        assert client.get(path.format(cam="B"), headers=headers).status_code == 403, path
    # A query naming both cameras is refused as a whole.
    assert client.get("/api/counts?camera_id=A&camera_id=B", headers=headers).status_code == 403
    assert client.get("/api/counts", headers=headers).status_code == 422
    assert client.get("/api/cameras", headers=headers).json() == ["A"]
    with client.websocket_connect("/api/cameras/A/live", headers=headers) as ws:
        assert ws.receive_text() == "A"


def test_isolation_holds_for_cookie_sessions(app: FastAPI, client: TestClient, store: AuthStore) -> None:
    add_user(store, "olga", Role.OPERATOR, ("B",))
    csrf = login(client, "olga")
    assert_camera_isolation(app, client, headers=csrf, denied_camera="A", allowed_camera="B")
    r = client.post("/api/cameras/B/events/3/ack", headers=csrf)
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "olga"


def test_isolation_helper_fails_where_access_is_granted(store: AuthStore, clock: FakeClock) -> None:
    app = build_app(store, clock)
    viewer = add_user(store, "vera", Role.VIEWER, ("A",))
    with TestClient(app) as client:
        headers = bearer(store, viewer)
        # A user-supplied camera the helper cannot see through is still caught by its 403 rule:
        assert_camera_isolation(app, client, headers=headers, denied_camera="B")
        with pytest.raises(AssertionError, match="expected 403"):
            # Camera "A" is this viewer's own camera: the denial check must fail for it.
            assert_camera_isolation(app, client, headers=headers, denied_camera="A")


def test_admin_sees_every_camera_and_star_scope_too(client: TestClient, store: AuthStore) -> None:
    admin = bearer(store, add_user(store, "root", Role.ADMIN, ("A",)))
    everyone = bearer(store, add_user(store, "wide", Role.VIEWER, "*"))
    for headers in (admin, everyone):
        for path in CAMERA_GETS:
            assert client.get(path.format(cam="B"), headers=headers).status_code == 200, path


def test_operator_acknowledges_viewer_cannot(client: TestClient, store: AuthStore) -> None:
    operator = bearer(store, add_user(store, "olga", Role.OPERATOR, ("A",)))
    viewer = bearer(store, add_user(store, "vera", Role.VIEWER, ("A",)))
    assert client.post("/api/cameras/A/events/3/ack", headers=operator).status_code == 200
    assert client.post("/api/cameras/A/events/3/notes", json={"text": "ok"}, headers=operator).status_code == 201
    assert client.post("/api/cameras/A/events/3/ack", headers=viewer).status_code == 403
    assert client.post("/api/cameras/A/events/3/notes", json={"text": "ok"}, headers=viewer).status_code == 403
    assert client.post("/api/cameras/B/events/3/ack", headers=operator).status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
def test_admin_only_routes_are_403_for_others(client: TestClient, store: AuthStore, role: Role) -> None:
    other = add_user(store, "someone", role, "*")
    headers = bearer(store, other)
    for method, path in [
        ("GET", "/api/users"),
        ("POST", "/api/users"),
        ("GET", f"/api/users/{other.id}"),
        ("PATCH", f"/api/users/{other.id}"),
        ("DELETE", f"/api/users/{other.id}"),
        ("GET", "/api/audit"),
        ("PUT", "/api/config/zones"),
        ("GET", "/api/tokens?all=true"),
    ]:
        r = client.request(method, path, headers=headers, json={})
        assert r.status_code == 403, (method, path, r.text)
    admin = bearer(store, add_user(store, "root", Role.ADMIN))
    assert client.get("/api/users", headers=admin).status_code == 200
    assert client.put("/api/config/zones", headers=admin).status_code == 204
    assert store.list_audit(1)[0].action == "config.zones"


def test_bearer_token_works_until_revoked_or_expired(client: TestClient, store: AuthStore, clock: FakeClock) -> None:
    user = add_user(store, "machine", Role.VIEWER, ("A",))
    headers = bearer(store, user)
    me = client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["method"] == "token" and me.json()["csrf_token"] is None
    # Unsafe requests with a bearer token need no CSRF header.
    operator = add_user(store, "op", Role.OPERATOR, ("A",))
    assert client.post("/api/cameras/A/events/1/ack", headers=bearer(store, operator)).status_code == 200

    token_id = store.list_tokens(user.id)[0].id
    store.revoke_token(token_id, actor="test")
    r = client.get("/api/cameras/A/events", headers=headers)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"

    expiring = bearer(store, user, expires_in_s=60)
    assert client.get("/api/cameras/A/events", headers=expiring).status_code == 200
    clock.advance(61)
    assert client.get("/api/cameras/A/events", headers=expiring).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer vgl_notatoken", "Bearer ", "Basic dXNlcjpwYXNz", "vgl_raw", "Bearer " + "x" * 5000],
)
def test_malformed_or_unknown_authorization_is_401(client: TestClient, header: str) -> None:
    assert client.get("/api/cameras/A/events", headers={"Authorization": header}).status_code == 401


def test_bearer_header_wins_over_a_valid_cookie(client: TestClient, store: AuthStore) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    login(client, "vera")
    assert client.get("/api/cameras/A/events").status_code == 200
    assert client.get("/api/cameras/A/events", headers={"Authorization": "Bearer vgl_bad"}).status_code == 401


def test_disabled_user_loses_sessions_and_tokens(client: TestClient, store: AuthStore) -> None:
    user = add_user(store, "vera", Role.VIEWER, ("A",))
    add_user(store, "root", Role.ADMIN)
    headers = bearer(store, user)
    login(client, "vera")
    store.update_user(user.id, actor="test", disabled=True)
    assert client.get("/api/cameras/A/events").status_code == 401
    assert client.get("/api/cameras/A/events", headers=headers).status_code == 401
    store.update_user(user.id, actor="test", disabled=False)
    assert client.get("/api/cameras/A/events", headers=headers).status_code == 200


def test_role_changes_apply_to_existing_credentials(client: TestClient, store: AuthStore) -> None:
    user = add_user(store, "vera", Role.VIEWER, ("A",))
    headers = bearer(store, user)
    assert client.post("/api/cameras/A/events/1/ack", headers=headers).status_code == 403
    store.update_user(user.id, actor="test", role=Role.OPERATOR, cameras=("A", "B"))
    assert client.post("/api/cameras/B/events/1/ack", headers=headers).status_code == 200


def test_insecure_cookie_setting_is_honoured(store: AuthStore, clock: FakeClock) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    app = build_app(store, clock, AuthSettings(cookie_secure=False, cookie_name="sid"))
    with TestClient(app, base_url="http://testserver") as client:
        r = client.post("/api/auth/login", json={"username": "vera", "password": "correct horse battery"})
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("sid=") and "Secure" not in cookie
        assert client.get("/api/cameras/A/events").status_code == 200
