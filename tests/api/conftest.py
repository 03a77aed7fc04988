"""Fixtures: the API over a temp SQLite event store, an in-memory auth store and cameras A and B;
the app served by a real server (`base_url`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from api_helpers import DEADLINE_S, JPEG_A, PASSWORD, Api, camera
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


@pytest.fixture
def base_url(api: Api) -> Iterator[str]:
    """`api.app` served by uvicorn on a free loopback port (streams need a real server)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        api.app,
        log_level="warning",
        lifespan="off",
        ws="none",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + DEADLINE_S
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(DEADLINE_S)
    sock.close()
