"""`ApiDeps`, what the routes use, and the dependencies and helpers shared by the routers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, NoReturn

from fastapi import Depends, HTTPException
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection

from vigil.api.registry import CameraNotFoundError, CameraRegistry
from vigil.api.sysinfo import SystemProvider
from vigil.auth import AuthSettings, AuthStore
from vigil.events import EventStore


@dataclass(frozen=True)
class ApiDeps:
    """Everything the API reads and writes.

    data_dir: media paths stored with events are relative to it; files outside it are never served.
    stream_poll_s: the live event stream also re-checks the store this often (it is woken
    at once by ``EventStore.add_listener`` on every record this process stores).
    stream_recheck_s: how often an open stream sends a keepalive and re-checks the caller.
    system: storage and outbox state for ``GET /api/system`` (`vigil.api.LocalSystem`);
    without it, storage is unknown and the outbox backlog comes from the store alone.
    """

    events: EventStore
    auth: AuthStore
    cameras: CameraRegistry
    data_dir: Path
    auth_settings: AuthSettings = field(default_factory=AuthSettings)
    stream_poll_s: float = 1.0
    stream_recheck_s: float = 15.0
    system: SystemProvider | None = None


def get_deps(conn: HTTPConnection) -> ApiDeps:
    deps = getattr(conn.app.state, "vigil_api", None)
    if not isinstance(deps, ApiDeps):
        raise RuntimeError("no vigil API state: use vigil.api.create_app")  # noqa: TRY004
    return deps


Deps = Annotated[ApiDeps, Depends(get_deps)]


def unprocessable(
    loc: tuple[str | int, ...], msg: str, value: object = None
) -> NoReturn:
    """Raise the 422 FastAPI gives for invalid input, naming ``loc`` (e.g. ``("query", "until")``)."""
    raise RequestValidationError(
        [{"type": "value_error", "loc": loc, "msg": msg, "input": value}]
    )


def known_camera(deps: ApiDeps, camera: str) -> None:
    """404 unless the registry has `camera` (call after the access check, so 403 comes first)."""
    if camera not in deps.cameras.camera_ids():
        raise HTTPException(404, detail=f"no camera {camera!r}")


def not_found(e: CameraNotFoundError) -> HTTPException:
    return HTTPException(404, detail=str(e))
