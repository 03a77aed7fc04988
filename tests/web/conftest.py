"""Browser tests of the web UI: a real API + UI server (uvicorn in a thread) and Debian's chromium
driven by Playwright. Skipped with the reason when chromium or playwright is missing.

Screenshots go to $VIGIL_TEST_ARTIFACTS (default: test-artifacts/ in the repository).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from web_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    XSS,
    CyclingRegistry,
    UiServer,
    camera_config,
    jpeg_frames,
    seed_events,
)

from vigil.api import ApiDeps, create_app
from vigil.auth import AuthStore, Role, ensure_setup_token
from vigil.events import EventStore, Route
from vigil.web import mount_ui

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    sync_playwright = None

START_S = 10.0


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "playwright is not installed (pip install playwright; the browser is Debian's chromium)"
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    default = Path(__file__).resolve().parents[2] / "test-artifacts"
    d = Path(os.environ.get("VIGIL_TEST_ARTIFACTS", default)) / "web"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    assert sync_playwright is not None
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _serve(app: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_S
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(START_S)
        sock.close()


def _auth_store() -> tuple[Engine, AuthStore]:
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    return engine, AuthStore(engine, hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    """Cameras A, B and one named like an HTML tag; users admin, operator_a, viewer_a (A only)."""
    tmp = tmp_path_factory.mktemp("ui")
    data = tmp / "data"
    data.mkdir()
    engine, auth = _auth_store()
    events = EventStore(f"sqlite:///{tmp / 'events.db'}", routes=[Route("ui")])
    cams = ["A", "B", XSS]
    registry = CyclingRegistry(
        [camera_config(c) for c in cams], frames={c: jpeg_frames(c, 4) for c in cams}
    )
    for name, role, scope in (
        ("admin", Role.ADMIN, "*"),
        ("operator_a", Role.OPERATOR, ("A",)),
        ("viewer_a", Role.VIEWER, ("A",)),
    ):
        auth.create_user(name, PASSWORD, role, scope, actor="test")
    seeded = seed_events(events, data)
    deps = ApiDeps(events=events, auth=auth, cameras=registry, data_dir=data, stream_poll_s=0.2, stream_recheck_s=5.0)
    app = create_app(deps)
    mount_ui(app)
    for url in _serve(app):
        yield UiServer(url=url, app=app, deps=deps, registry=registry, events=seeded)
    events.close()
    engine.dispose()


@pytest.fixture
def fresh_ui(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A server with no users yet: (base url, one-time setup token)."""
    engine, auth = _auth_store()
    events = EventStore(f"sqlite:///{tmp_path / 'events.db'}")
    token = ensure_setup_token(auth)
    assert token is not None
    registry = CyclingRegistry([camera_config("A")], frames={"A": jpeg_frames("A", 2)})
    app = create_app(ApiDeps(events=events, auth=auth, cameras=registry, data_dir=tmp_path))
    mount_ui(app)
    for url in _serve(app):
        yield url, token
    events.close()
    engine.dispose()


class PageProblems:
    """What a page did wrong: script errors, failed requests outside /api, requests to other origins."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.errors: list[str] = []
        self.outbound: list[str] = []
        self.dialogs: list[str] = []

    def check(self) -> None:
        assert not self.dialogs, f"the page opened dialogs (script ran from data?): {self.dialogs}"
        assert not self.outbound, f"the page asked another origin: {self.outbound}"
        assert not self.errors, f"script errors: {self.errors}"


def on_dialog(dialog: Any, problems: PageProblems) -> None:
    """The UI asks `confirm` before deleting (accepted here); an alert means script ran from data."""
    if dialog.type == "confirm":
        dialog.accept()
        return
    problems.dialogs.append(f"{dialog.type}: {dialog.message}")
    dialog.dismiss()


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Any]:
    """open_page(base_url, width=1280, height=800) -> (page, problems); checked at teardown."""
    made: list[tuple[Any, PageProblems]] = []

    def make(base_url: str, width: int = 1280, height: int = 800) -> tuple[Page, PageProblems]:
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=base_url)
        context.set_default_timeout(8000)
        page = context.new_page()
        problems = PageProblems(base_url)
        page.on("pageerror", lambda e: problems.errors.append(str(e)))
        page.on("dialog", lambda d: on_dialog(d, problems))

        def on_request(request: Any) -> None:
            if not (request.url.startswith(base_url) or request.url.startswith(("blob:", "data:"))):
                problems.outbound.append(request.url)

        page.on("request", on_request)
        made.append((page, problems))
        return page, problems

    yield make
    for page, problems in made:
        context = page.context
        context.close()
        problems.check()
