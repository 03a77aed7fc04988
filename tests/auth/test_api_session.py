"""Browser sessions: first-admin setup, login and logout, cookie flags, CSRF, expiry, login limits."""

from __future__ import annotations

from typing import Any

import pytest
from auth_helpers import PASSWORD, FakeClock, add_user, bearer, build_app, login
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.testclient import WebSocketDenialResponse

from vigil.auth import AuthSettings, AuthStore, Role, db, ensure_setup_token
from vigil.auth.testing import assert_422_names_field

NEW_PASSWORD = "a different passphrase"


def _setup(client: TestClient, token: str, username: str = "root", password: str = PASSWORD) -> int:
    return client.post("/api/auth/setup", json={"token": token, "username": username, "password": password}).status_code


def test_setup_creates_the_first_admin_once(client: TestClient, store: AuthStore) -> None:
    token = ensure_setup_token(store)
    assert token is not None
    assert _setup(client, "wrong-token") == 403
    assert _setup(client, token, password="short") == 422  # a bad input does not burn the token
    r = client.post("/api/auth/setup", json={"token": token, "username": "root", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["role"] == "admin" and r.json()["cameras"] == "*"
    assert _setup(client, token, username="second") == 409
    assert _setup(client, "anything", username="third") == 409
    login(client, "root")
    assert client.get("/api/users").json()[0]["username"] == "root"
    assert store.list_audit()[0].action == "setup.complete"
    assert ensure_setup_token(store) is None


def test_setup_token_expires_and_is_replaced(client: TestClient, store: AuthStore, clock: FakeClock) -> None:
    first = ensure_setup_token(store, ttl_s=600)
    second = ensure_setup_token(store, ttl_s=600)
    assert first and second and first != second
    assert _setup(client, first) == 403  # a restart replaced it
    clock.advance(601)
    assert _setup(client, second) == 403
    third = ensure_setup_token(store, ttl_s=600)
    assert third is not None and _setup(client, third) == 201


def test_setup_closed_after_cli_created_an_admin(client: TestClient, store: AuthStore) -> None:
    token = ensure_setup_token(store)
    assert token is not None
    add_user(store, "admin", Role.ADMIN)
    assert _setup(client, token) == 409


def test_login_sets_a_hardened_cookie_and_logout_ends_it(client: TestClient, store: AuthStore) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    r = client.post("/api/auth/login", json={"username": "VERA", "password": PASSWORD})  # usernames ignore case
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["username"] == "vera" and len(body["csrf_token"]) >= 40
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("vigil_session=")
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Path=/", "Max-Age=86400"):
        assert flag.lower() in cookie.lower(), flag
    raw = client.cookies["vigil_session"]
    assert raw not in str([s.id_hash for s in _sessions(store)])  # only the hash is stored

    me = client.get("/api/auth/me").json()
    assert me["method"] == "session" and me["csrf_token"] == body["csrf_token"]

    assert client.post("/api/auth/logout").status_code == 403  # unsafe: needs the CSRF header
    r = client.post("/api/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 204 and "max-age=0" in r.headers["set-cookie"].lower()
    client.cookies.set("vigil_session", raw)  # a stolen copy of the old cookie is worthless now
    assert client.get("/api/auth/me").status_code == 401


def _sessions(store: AuthStore) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(select(db.sessions)))


def test_csrf_required_for_unsafe_cookie_requests(client: TestClient, store: AuthStore) -> None:
    add_user(store, "olga", Role.OPERATOR, ("A",))
    csrf = login(client, "olga")
    url = "/api/cameras/A/events/1/ack"
    assert client.post(url).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": ""}).status_code == 403
    assert client.post(url, headers=csrf).status_code == 200
    assert client.get("/api/cameras/A/events").status_code == 200  # safe methods need none
    # Another session's token does not fit this one.
    with TestClient(client.app, base_url="https://testserver") as other:
        other_csrf = login(other, "olga")
    assert other_csrf != csrf
    assert client.post(url, headers=other_csrf).status_code == 403


def test_websocket_with_cookie_must_come_from_the_same_origin(client: TestClient, store: AuthStore) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    login(client, "vera")
    cookie = {"cookie": f"vigil_session={client.cookies['vigil_session']}"}
    live = "/api/cameras/A/live"
    with client.websocket_connect(live, headers={**cookie, "origin": "https://testserver"}) as ws:
        assert ws.receive_text() == "A"
    evil = {**cookie, "origin": "https://evil.example"}
    with pytest.raises(WebSocketDenialResponse) as denied, client.websocket_connect(live, headers=evil):
        pass
    assert denied.value.status_code == 403


def test_session_expires_after_idle_time_and_lifetime(store: AuthStore, clock: FakeClock) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    app = build_app(store, clock, AuthSettings(session_lifetime_s=3600, session_idle_timeout_s=600))
    with TestClient(app, base_url="https://testserver") as client:
        login(client, "vera")
        for _ in range(6):  # active every 9 minutes: the idle timeout never hits, the lifetime does
            clock.advance(540)
            assert client.get("/api/auth/me").status_code == 200
        clock.advance(540)  # 63 minutes after login
        r = client.get("/api/auth/me")
        assert r.status_code == 401 and "max-age=0" in r.headers["set-cookie"].lower()

        login(client, "vera")
        clock.advance(601)
        assert client.get("/api/auth/me").status_code == 401


def test_login_failures_are_indistinguishable(client: TestClient, store: AuthStore) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    disabled = add_user(store, "gone", Role.VIEWER, ("A",))
    add_user(store, "root", Role.ADMIN)
    store.update_user(disabled.id, actor="test", disabled=True)
    answers = {
        (r.status_code, r.text)
        for r in (
            client.post("/api/auth/login", json={"username": "vera", "password": "wrong password"}),
            client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD}),
            client.post("/api/auth/login", json={"username": "gone", "password": PASSWORD}),
        )
    }
    assert answers == {(401, '{"detail":"invalid username or password"}')}


def test_login_rate_limited_per_username(client: TestClient, store: AuthStore, clock: FakeClock) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    wrong = {"username": "vera", "password": "not the password"}
    for _ in range(5):
        assert client.post("/api/auth/login", json=wrong).status_code == 401
    r = client.post("/api/auth/login", json={"username": "Vera", "password": PASSWORD})
    assert r.status_code == 429 and r.headers["retry-after"] == "300"  # even the right password waits
    clock.advance(120)
    assert client.post("/api/auth/login", json=wrong).headers["retry-after"] == "180"
    assert client.post("/api/auth/login", json={"username": "other", "password": "x"}).status_code == 401
    clock.advance(181)
    assert client.post("/api/auth/login", json={"username": "vera", "password": PASSWORD}).status_code == 200


def test_login_rate_limited_per_ip(store: AuthStore, clock: FakeClock) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    app = build_app(store, clock, AuthSettings(login_max_failures_per_ip=8))
    with TestClient(app, base_url="https://testserver") as client:
        for i in range(8):  # spraying usernames: the per-username limit never hits
            assert client.post("/api/auth/login", json={"username": f"u{i}", "password": "x"}).status_code == 401
        r = client.post("/api/auth/login", json={"username": "vera", "password": PASSWORD})
        assert r.status_code == 429 and int(r.headers["retry-after"]) == 300


def test_forwarded_for_counts_only_behind_a_trusted_proxy(store: AuthStore, clock: FakeClock) -> None:
    # The client connects from 127.0.0.1, trusted as a reverse proxy here.
    settings = AuthSettings(login_max_failures_per_ip=2, trusted_proxies=("127.0.0.1",))
    app = build_app(store, clock, settings)
    with TestClient(app, base_url="https://testserver", client=("127.0.0.1", 5000)) as client:
        for i in range(2):
            client.post("/api/auth/login", json={"username": f"a{i}", "password": "x"},
                        headers={"X-Forwarded-For": "203.0.113.7"})
        blocked = client.post("/api/auth/login", json={"username": "b", "password": "x"},
                              headers={"X-Forwarded-For": "203.0.113.7"})
        other = client.post("/api/auth/login", json={"username": "c", "password": "x"},
                            headers={"X-Forwarded-For": "198.51.100.1, 127.0.0.1"})
    assert blocked.status_code == 429 and other.status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "vera"}, "password"),
        ({"username": "vera", "password": "x", "remember": True}, "remember"),
        ({"username": "", "password": "x"}, "username"),
        ({"username": "vera", "password": "x" * 1025}, "password"),
    ],
)
def test_bad_login_input_is_422_naming_the_field(client: TestClient, body: dict[str, object], field: str) -> None:
    assert_422_names_field(client.post("/api/auth/login", json=body), field)


def test_change_own_password(client: TestClient, store: AuthStore) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    csrf = login(client, "vera")
    with TestClient(client.app, base_url="https://testserver") as elsewhere:
        login(elsewhere, "vera")
        url = "/api/auth/password"
        wrong = {"current_password": "wrong", "new_password": NEW_PASSWORD}
        assert client.post(url, json=wrong, headers=csrf).status_code == 403
        r = client.post(url, json={"current_password": PASSWORD, "new_password": "short"}, headers=csrf)
        assert_422_names_field(r, "new_password")
        r = client.post(url, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=csrf)
        assert r.status_code == 204
        assert client.get("/api/auth/me").status_code == 200  # this session stays
        assert elsewhere.get("/api/auth/me").status_code == 401  # the others end
    assert client.post("/api/auth/login", json={"username": "vera", "password": PASSWORD}).status_code == 401
    login(client, "vera", NEW_PASSWORD)
    assert store.list_audit(1)[0].details == {"password": "changed"}


def test_token_holder_can_log_out_harmlessly(client: TestClient, store: AuthStore) -> None:
    headers = bearer(store, add_user(store, "bot", Role.VIEWER, ("A",)))
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 200
