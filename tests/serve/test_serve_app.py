"""The app `vigil serve` builds (API + web UI over the real supervisor): access rules on every route,
per-camera isolation, 422s naming the field, and a geometry change that restarts one camera only and
survives a restart of the service."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from videos import moving_block

from vigil.api import PUBLIC_API_ROUTES
from vigil.auth import Role
from vigil.auth.testing import assert_all_routes_require_auth, assert_camera_isolation
from vigil.service.serve import Service
from vigil.web import PUBLIC_UI_ROUTES

from .helpers import FAST, camera, service_config, wait_for


@pytest.fixture()
def quiet(tmp_path: Path, models_dir: Path) -> Iterator[Service]:
    """Two cameras that are configured but not running (enabled: false): the app without workers."""
    cams = [camera(n, str(tmp_path), models_dir, enabled=False) for n in ("A", "B")]
    with Service(service_config(tmp_path, cams), replace(FAST, ui=True)) as svc:
        yield svc


def _token(svc: Service, name: str, role: Role, cameras: list[str] | str) -> dict[str, str]:
    assert svc.auth is not None
    user = svc.auth.create_user(name, f"{name}-long-password", role, cameras, actor="test")
    raw, _ = svc.auth.create_token(user.id, "test", actor="test")
    return {"Authorization": f"Bearer {raw}"}


def test_every_route_of_the_served_app_needs_credentials(quiet: Service) -> None:
    assert quiet.app is not None
    with TestClient(quiet.app) as client:
        checked = assert_all_routes_require_auth(quiet.app, client, {**PUBLIC_API_ROUTES, **PUBLIC_UI_ROUTES})
    paths = {ep.path for ep in checked}
    assert {"/api/system", "/api/cameras/{camera_id}/overlay", "/api/stats/events"} <= paths


def test_viewer_of_a_gets_403_on_everything_of_b(quiet: Service) -> None:
    assert quiet.app is not None
    headers = _token(quiet, "viewer", Role.VIEWER, ["A"])
    with TestClient(quiet.app) as client:
        eps = assert_camera_isolation(quiet.app, client, headers=headers, denied_camera="B", allowed_camera="A")
        assert len(eps) >= 8
        assert [c["id"] for c in client.get("/api/cameras", headers=headers).json()] == ["A"]
        assert client.get("/api/system", headers=headers).status_code == 403


def test_bad_input_gets_422_naming_the_field(quiet: Service) -> None:
    assert quiet.app is not None
    headers = _token(quiet, "admin", Role.ADMIN, "*")
    with TestClient(quiet.app) as client:
        r = client.get("/api/events", params={"since": "yesterday-ish"}, headers=headers)
        assert r.status_code == 422 and any(e["loc"][-1] == "since" for e in r.json()["detail"]), r.text
        bad = {"zones": [{"name": "z", "points": [[0.1, 0.1], [1.5, 0.1], [0.5, 0.9]]}], "lines": []}
        r = client.put("/api/cameras/A/geometry", json=bad, headers=headers)
        assert r.status_code == 422 and "zones" in json.dumps(r.json()["detail"]), r.text


def test_geometry_change_restarts_that_camera_only_and_survives_restart(tmp_path: Path, models_dir: Path) -> None:
    video = moving_block(tmp_path / "loop.mp4", 3.0)
    cams = [camera(n, str(video), models_dir, loop=True, rules=[], zones=[]) for n in ("A", "B")]
    cfg = service_config(tmp_path, cams)
    zone = {"name": "door", "points": [[0.1, 0.1], [0.6, 0.1], [0.6, 0.6], [0.1, 0.6]]}
    with Service(cfg, FAST) as svc:
        assert svc.app is not None and svc.supervisor is not None
        sup = svc.supervisor
        headers = _token(svc, "admin", Role.ADMIN, "*")
        wait_for(lambda: all(h.state == "online" for h in sup.health().values()), 60, "both cameras online")
        before = sup.pids()
        with TestClient(svc.app) as client:
            r = client.put("/api/cameras/A/geometry", json={"zones": [zone], "lines": []}, headers=headers)
            assert r.status_code == 200, r.text
            wait_for(lambda: sup.pids()["A"] not in (None, before["A"]), 30, "camera A restarted")
            assert sup.pids()["B"] == before["B"], "camera B was restarted too"
            assert [z["name"] for z in client.get("/api/cameras/A/geometry", headers=headers).json()["zones"]] == ["door"]
            assert client.get("/api/cameras/B/geometry", headers=headers).json()["zones"] == []
    with Service(cfg, FAST) as again:  # the same file config: the saved override applies
        assert again.registry is not None
        assert [z.name for z in again.registry.camera_config("A").zones] == ["door"]
        assert again.registry.camera_config("B").zones == ()
