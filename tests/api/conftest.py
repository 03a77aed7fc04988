"""Fixtures: the API over a temp SQLite event store, an in-memory auth store and cameras A and B."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import JPEG_A, PASSWORD, Api, camera
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from vigil.api import ApiDeps, StaticCameraRegistry, create_app
from vigil.auth import AuthStore, Role
from vigil.events import EventStore, Route


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
        events=events,
        auth=auth,
        cameras=registry,
        data_dir=data,
        stream_poll_s=0.2,
        stream_recheck_s=0.5,
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
