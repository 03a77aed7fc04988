"""Helpers for the auth tests: a movable clock, a cheap argon2 hasher, and a small FastAPI app that
mounts auth next to dummy camera-scoped routes for cameras A and B."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import APIRouter, Depends, FastAPI, Query, Response, WebSocket
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from vigil.auth import (
    Action,
    AuthSettings,
    AuthStore,
    CurrentUser,
    LoginRateLimiter,
    Principal,
    Role,
    User,
    allowed_cameras,
    install_auth,
    require_action,
    require_camera,
)

PASSWORD = "correct horse battery"
CAMERAS = ("A", "B")


class FakeClock:
    """Wall time for the store and monotonic seconds for the rate limiter, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
        self.seconds = 1000.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.seconds += seconds


def cheap_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)



View = Annotated[Principal, Depends(require_camera())]
Ack = Annotated[Principal, Depends(require_camera(Action.ACKNOWLEDGE))]
Configure = Annotated[Principal, Depends(require_action(Action.CONFIGURE))]


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=1000)


def build_app(store: AuthStore, clock: FakeClock, settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or AuthSettings()
    limiter = LoginRateLimiter(
        max_failures_per_username=settings.login_max_failures_per_username,
        max_failures_per_ip=settings.login_max_failures_per_ip,
        window_s=settings.login_window_s,
        clock=clock.monotonic,
    )
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    install_auth(app, store, settings, limiter=limiter)
    cam = APIRouter(prefix="/api/cameras/{camera_id}")

    @cam.get("/events")
    def events(camera_id: str, who: View) -> dict[str, object]:
        return {"camera": camera_id, "events": [1, 2]}

    @cam.post("/events/{event_id}/ack")
    def acknowledge(camera_id: str, event_id: int, who: Ack) -> dict[str, object]:
        return {"camera": camera_id, "event": event_id, "acknowledged_by": who.user.username}

    @cam.post("/events/{event_id}/notes", status_code=201)
    def add_note(camera_id: str, event_id: int, note: NoteIn, who: Ack) -> dict[str, object]:
        return {"camera": camera_id, "event": event_id, "text": note.text}

    @cam.get("/snapshots/latest.jpg")
    def snapshot(camera_id: str, who: View) -> Response:
        return Response(b"\xff\xd8fake", media_type="image/jpeg")

    @cam.get("/clips/{clip_id}")
    def clip(camera_id: str, clip_id: int, who: View) -> dict[str, object]:
        return {"camera": camera_id, "clip": clip_id}

    @cam.get("/live.mjpeg")
    def live_http(camera_id: str, who: View) -> Response:
        return Response(b"--frame", media_type="multipart/x-mixed-replace; boundary=frame")

    @cam.websocket("/live")
    async def live_ws(websocket: WebSocket, camera_id: str, who: View) -> None:
        await websocket.accept()
        await websocket.send_text(camera_id)
        await websocket.close()

    @cam.get("/counts")
    def camera_counts(camera_id: str, who: View) -> dict[str, object]:
        return {"camera": camera_id, "count": 3}

    app.include_router(cam)

    @app.get("/api/counts")
    def counts(camera_id: Annotated[list[str], Query()], who: View) -> dict[str, object]:
        return {"cameras": camera_id}

    @app.get("/api/cameras")
    def cameras(who: CurrentUser) -> list[str]:
        visible = allowed_cameras(who.user)
        return [c for c in CAMERAS if visible is None or c in visible]

    @app.put("/api/config/zones", status_code=204)
    def put_zones(who: Configure) -> None:
        store.record_audit(who.actor, "config.zones", "zones", {"count": 0})

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app




def add_user(store: AuthStore, name: str, role: Role, cameras: str | tuple[str, ...] = "*") -> User:
    return store.create_user(name, PASSWORD, role, cameras, actor="test")


def bearer(store: AuthStore, user: User, **kwargs: float) -> dict[str, str]:
    raw, _ = store.create_token(user.id, f"{user.username}-token", actor="test", **kwargs)
    return {"Authorization": f"Bearer {raw}"}


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in; returns the CSRF header for unsafe requests (the cookie stays on the client)."""
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}
