"""/api/users, /api/tokens and /api/audit: admin user management, token ownership, audit rows."""

from __future__ import annotations

from typing import Any

import pytest
from auth_helpers import PASSWORD, add_user, bearer, login
from fastapi.testclient import TestClient

from vigil.auth import AuthStore, Role
from vigil.auth.testing import assert_422_names_field


@pytest.fixture
def admin(client: TestClient, store: AuthStore) -> dict[str, str]:
    """A logged-in admin session on `client`; returns the CSRF header."""
    add_user(store, "root", Role.ADMIN)
    return login(client, "root")


def test_admin_manages_users_and_every_change_is_audited(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(
        "/api/users",
        json={"username": "vera", "password": PASSWORD, "role": "viewer", "cameras": ["A", "A", "B"]},
        headers=admin,
    )
    assert r.status_code == 201
    vera = r.json()
    assert vera["cameras"] == ["A", "B"] and vera["role"] == "viewer" and "password" not in str(vera)
    assert client.get(f"/api/users/{vera['id']}").json() == vera
    assert [u["username"] for u in client.get("/api/users").json()] == ["root", "vera"]

    r = client.patch(f"/api/users/{vera['id']}", json={"role": "operator", "cameras": "*"}, headers=admin)
    assert r.status_code == 200 and r.json()["role"] == "operator" and r.json()["cameras"] == "*"
    r = client.patch(f"/api/users/{vera['id']}", json={"password": "a new long password"}, headers=admin)
    assert r.status_code == 200
    assert client.delete(f"/api/users/{vera['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/users/{vera['id']}").status_code == 404
    assert client.delete(f"/api/users/{vera['id']}", headers=admin).status_code == 404

    audit = client.get("/api/audit").json()
    assert [(e["action"], e["actor"], e["target"]) for e in audit[:4]] == [
        ("user.delete", "root", "user:vera"),
        ("user.update", "root", "user:vera"),
        ("user.update", "root", "user:vera"),
        ("user.create", "root", "user:vera"),
    ]
    assert audit[1]["details"] == {"password": "changed"}
    assert audit[2]["details"] == {"role": "operator", "cameras": "*"}
    assert PASSWORD not in str(audit) and "a new long password" not in str(audit)
    page = client.get("/api/audit", params={"limit": 2, "before_id": audit[1]["id"]}).json()
    assert [e["id"] for e in page] == [audit[2]["id"], audit[3]["id"]]


def test_usernames_are_unique_ignoring_case(client: TestClient, admin: dict[str, str]) -> None:
    body = {"username": "Root", "password": PASSWORD, "role": "viewer", "cameras": "*"}
    r = client.post("/api/users", json=body, headers=admin)
    assert r.status_code == 409 and "exists" in r.json()["detail"]


def test_last_admin_cannot_be_removed_demoted_or_disabled(
    client: TestClient, store: AuthStore, admin: dict[str, str]
) -> None:
    root = store.get_user_by_name("root")
    assert root is not None
    changes = (("PATCH", {"role": "viewer", "cameras": "*"}), ("PATCH", {"disabled": True}), ("DELETE", None))
    for method, body in changes:
        r = client.request(method, f"/api/users/{root.id}", json=body, headers=admin)
        assert r.status_code == 409 and "last enabled admin" in r.json()["detail"]
    second = add_user(store, "second", Role.ADMIN)
    assert client.patch(f"/api/users/{second.id}", json={"role": "operator"}, headers=admin).status_code == 200


BAD_USERS: list[tuple[dict[str, Any], str]] = [
    ({"password": PASSWORD, "role": "viewer", "cameras": "*"}, "username"),
    ({"username": "x y", "password": PASSWORD, "role": "viewer", "cameras": "*"}, "username"),
    ({"username": "-x", "password": PASSWORD, "role": "viewer", "cameras": "*"}, "username"),
    ({"username": "u" * 65, "password": PASSWORD, "role": "viewer", "cameras": "*"}, "username"),
    ({"username": "vera", "password": "short", "role": "viewer", "cameras": "*"}, "password"),
    ({"username": "vera", "password": PASSWORD, "role": "superuser", "cameras": "*"}, "role"),
    ({"username": "vera", "password": PASSWORD, "role": "viewer"}, "cameras"),
    ({"username": "vera", "password": PASSWORD, "role": "viewer", "cameras": "A"}, "cameras"),
    ({"username": "vera", "password": PASSWORD, "role": "viewer", "cameras": ["A,B"]}, "cameras"),
    ({"username": "vera", "password": PASSWORD, "role": "viewer", "cameras": [" A"]}, "cameras"),
    ({"username": "vera", "password": PASSWORD, "role": "viewer", "cameras": "*", "admin": True}, "admin"),
]


@pytest.mark.parametrize(("body", "field"), BAD_USERS)
def test_bad_user_input_is_422_naming_the_field(
    client: TestClient, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    assert_422_names_field(client.post("/api/users", json=body, headers=admin), field)


def test_bad_update_and_path_input_is_422(client: TestClient, store: AuthStore, admin: dict[str, str]) -> None:
    user = add_user(store, "vera", Role.VIEWER, ("A",))
    assert_422_names_field(client.patch(f"/api/users/{user.id}", json={"disabled": "maybe"}, headers=admin), "disabled")
    assert_422_names_field(client.patch(f"/api/users/{user.id}", json={"name": "x"}, headers=admin), "name")
    assert_422_names_field(client.patch("/api/users/abc", json={}, headers=admin), "user_id")
    assert_422_names_field(client.get("/api/audit", params={"limit": 0}), "limit")


def test_admin_may_create_an_admin_without_camera_list(client: TestClient, admin: dict[str, str]) -> None:
    body = {"username": "boss", "password": PASSWORD, "role": "admin"}
    r = client.post("/api/users", json=body, headers=admin)
    assert r.status_code == 201 and r.json()["cameras"] == "*"


def test_users_manage_their_own_tokens(client: TestClient, store: AuthStore) -> None:
    vera = add_user(store, "vera", Role.VIEWER, ("A",))
    csrf = login(client, "vera")
    r = client.post("/api/tokens", json={"name": "nvr export", "expires_in_s": 3600}, headers=csrf)
    assert r.status_code == 201
    created = r.json()
    token = created["token"]
    assert token.startswith("vgl_") and created["prefix"] == token[:12] and created["expires_at"] is not None
    listed = client.get("/api/tokens").json()
    assert [t["id"] for t in listed] == [created["id"]] and "token" not in listed[0]
    assert client.get("/api/cameras/A/events", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # The token itself is not stored, only its sha256.
    assert token not in str(store.list_tokens()) and store.list_tokens()[0].token_hash != token

    # Tokens cannot mint tokens; a token's owner still sees its list.
    by_token = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/tokens", json={"name": "child"}, headers=by_token).status_code == 403
    assert len(client.get("/api/tokens", headers=by_token).json()) == 1
    assert client.get("/api/tokens", params={"user_id": vera.id + 1}).status_code == 403
    assert client.post("/api/tokens", json={"name": "x", "user_id": vera.id + 1}, headers=csrf).status_code == 403

    assert client.delete(f"/api/tokens/{created['id']}", headers=csrf).status_code == 204
    assert client.get("/api/cameras/A/events", headers=by_token).status_code == 401
    assert client.get("/api/tokens").json()[0]["revoked_at"] is not None
    actions = [(e.action, e.actor) for e in store.list_audit(2)]
    assert actions == [("token.revoke", "vera"), ("token.create", "vera")]


def test_others_tokens_are_invisible_to_non_admins(client: TestClient, store: AuthStore) -> None:
    olga = add_user(store, "olga", Role.OPERATOR, "*")
    store.create_token(olga.id, "olga's", actor="test")
    add_user(store, "vera", Role.VIEWER, ("A",))
    csrf = login(client, "vera")
    olga_token = store.list_tokens(olga.id)[0]
    assert client.delete(f"/api/tokens/{olga_token.id}", headers=csrf).status_code == 404
    assert client.get("/api/tokens").json() == []
    assert store.get_token(olga_token.id).revoked_at is None  # type: ignore[union-attr]


def test_admin_manages_everyones_tokens(client: TestClient, store: AuthStore, admin: dict[str, str]) -> None:
    vera = add_user(store, "vera", Role.VIEWER, ("A",))
    r = client.post("/api/tokens", json={"name": "camera box", "user_id": vera.id}, headers=admin)
    assert r.status_code == 201 and r.json()["user_id"] == vera.id
    token = r.json()["token"]
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["user"]["username"] == "vera"  # the token has vera's rights, not the admin's
    assert len(client.get("/api/tokens", params={"all": True}).json()) == 1
    assert len(client.get("/api/tokens", params={"user_id": vera.id}).json()) == 1
    assert client.get("/api/tokens").json() == []
    assert client.delete(f"/api/tokens/{r.json()['id']}", headers=admin).status_code == 204
    entry = store.list_audit(1)[0]
    assert entry.action == "token.revoke" and entry.actor == "root"
    assert client.post("/api/tokens", json={"name": "x", "user_id": 999}, headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"name": "x", "expires_in_s": 0}, "expires_in_s"),
        ({"name": "x", "expires_in_s": "soon"}, "expires_in_s"),
        ({"name": "x", "scope": "all"}, "scope"),
    ],
)
def test_bad_token_input_is_422_naming_the_field(
    client: TestClient, store: AuthStore, body: dict[str, Any], field: str
) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    csrf = login(client, "vera")
    assert_422_names_field(client.post("/api/tokens", json=body, headers=csrf), field)


def test_whitespace_token_name_is_422_from_the_store(client: TestClient, store: AuthStore) -> None:
    add_user(store, "vera", Role.VIEWER, ("A",))
    csrf = login(client, "vera")
    assert_422_names_field(client.post("/api/tokens", json={"name": "   "}, headers=csrf), "name")


def test_422_helper_fails_when_the_field_is_not_named(client: TestClient, store: AuthStore) -> None:
    headers = bearer(store, add_user(store, "root", Role.ADMIN))
    r = client.post("/api/users", json={"username": "x"}, headers=headers)
    with pytest.raises(AssertionError, match="does not name 'colour'"):
        assert_422_names_field(r, "colour")
    with pytest.raises(AssertionError, match="expected 422"):
        assert_422_names_field(client.get("/api/users", headers=headers), "username")
