"""A browser's path: log in, read with the session cookie, write only with the CSRF token;
the package's public surface."""

from __future__ import annotations

from api_helpers import PASSWORD, Api

import vigil.api

GEOMETRY = {
    "zones": [{"name": "door", "points": [[0, 0], [1, 0], [1, 1]]}],
    "lines": [],
}


def test_cookie_session_reads_and_csrf_guards_writes(api: Api) -> None:
    login = api.client.post(
        "/api/auth/login", json={"username": "admin", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    assert (
        api.client.get("/api/events").status_code == 200
    )  # the cookie is enough to read
    assert api.client.get("/api/openapi.json").status_code == 200
    url = "/api/cameras/A/geometry"
    assert api.client.put(url, json=GEOMETRY).status_code == 403
    assert api.registry.applied == []
    assert (
        api.client.put(url, json=GEOMETRY, headers={"X-CSRF-Token": csrf}).status_code
        == 200
    )
    assert len(api.registry.applied) == 1


def test_public_surface() -> None:
    for name in vigil.api.__all__:
        assert getattr(vigil.api, name) is not None, name
    assert set(vigil.api.__all__) >= {
        "create_app",
        "ApiDeps",
        "CameraRegistry",
        "StaticCameraRegistry",
    }
