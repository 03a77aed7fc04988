"""Fixtures: the API over a temp SQLite event store, an in-memory auth store and cameras A and B."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from vigil.api import ApiDeps, StaticCameraRegistry, create_app
from vigil.auth import AuthStore, Role
from vigil.config.service import CameraConfig
from vigil.events import EventStore, Route
from vigil.types import Event

PASSWORD = "correct horse battery"
JPEG_A = b"\xff\xd8\xff\xe0camera-A\xff\xd9"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def camera(name: str) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "camera": name,
            "source": f"rtsp://10.0.0.1/{name}",
            "zones": [{"name": "door", "points": [[0, 0], [0.5, 0], [0.5, 0.5]]}],
            "lines": [{"name": "gate", "points": [[0.1, 0.9], [0.9, 0.9]]}],
            "rules": [{"type": "gathering", "zone": "door"}],
        }
    )


def make_event(
    cam: str,
    rule: str = "gathering",
    zone: str | None = "door",
    t: float = 1.0,
    ids: tuple[int, ...] = (1,),
    phase: str = "instant",
) -> Event:
    attrs: dict[str, float | int | str | list[float]] = {"rule": rule}
    if zone is not None:
        attrs["zone"] = zone
    return Event(
        kind=rule,
        camera=cam,
        t=t,
        phase=phase,
        track_ids=ids,
        attributes=attrs,
        confidence=0.9,
    )


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    deps: ApiDeps
    registry: StaticCameraRegistry
    tokens: dict[str, dict[str, str]]  # user name -> Authorization header

    def get(self, user: str, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(
            url, headers={**self.tokens[user], **kw.pop("headers", {})}, **kw
        )

    def post(self, user: str, url: str, **kw: Any) -> httpx.Response:
        return self.client.post(
            url, headers={**self.tokens[user], **kw.pop("headers", {})}, **kw
        )

    def put(self, user: str, url: str, **kw: Any) -> httpx.Response:
        return self.client.put(
            url, headers={**self.tokens[user], **kw.pop("headers", {})}, **kw
        )


@pytest.fixture
def api(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Api]:
    """The app and a client. Indirect param: whether the event store has an outbox route
    (without one the store never calls its listeners; default: it has one)."""
    routes = [Route("ui")] if getattr(request, "param", True) else []
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    auth = AuthStore(
        engine, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    events = EventStore(f"sqlite:///{tmp_path / 'events.db'}", routes=routes)
    registry = StaticCameraRegistry(
        [camera("A"), camera("B")], frames={"A": [b"\xff\xd8first\xff\xd9", JPEG_A]}
    )
    data = tmp_path / "data"
    data.mkdir()
    deps = ApiDeps(
        events=events, auth=auth, cameras=registry, data_dir=data, stream_poll_s=0.2
    )
    tokens = {}
    for name, role, cams in (
        ("admin", Role.ADMIN, "*"),
        ("viewer_a", Role.VIEWER, ("A",)),
        ("viewer_b", Role.VIEWER, ("B",)),
        ("operator_a", Role.OPERATOR, ("A",)),
    ):
        user = auth.create_user(name, PASSWORD, role, cams, actor="test")
        raw, _ = auth.create_token(user.id, "test", actor="test")
        tokens[name] = {"Authorization": f"Bearer {raw}"}
    app = create_app(deps)
    with TestClient(app, base_url="https://testserver") as client:
        yield Api(app, client, deps, registry, tokens)
    events.close()
    engine.dispose()
