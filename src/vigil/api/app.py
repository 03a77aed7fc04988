"""`create_app`: the FastAPI app of `vigil serve`, every route under /api.

OpenAPI: the schema is served at ``/api/openapi.json`` to authenticated callers only (it
maps the attack surface and the web UI is logged in anyway); there are no /docs pages.
The only routes without credentials are ``GET /api/health`` and auth's login and setup
(`PUBLIC_API_ROUTES`). Event store failures answer 503 (details only in the log).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.requests import Request

from vigil import __version__
from vigil.api import (
    cameras,
    counts,
    events,
    geometry,
    media,
    rules,
    stats,
    stream,
    system,
)
from vigil.api.deps import ApiDeps
from vigil.api.registry import CameraNotFoundError
from vigil.api.schemas import HealthOut
from vigil.auth import PUBLIC_ROUTES, CurrentUser, install_auth
from vigil.events import StoreError

log = logging.getLogger(__name__)

PUBLIC_API_ROUTES: dict[tuple[str, str], str] = {
    **PUBLIC_ROUTES,
    (
        "GET",
        "/api/health",
    ): "readiness probe for load balancers and containers; says nothing but ok",
}
"""Every route that answers without credentials, with the reason."""


def create_app(deps: ApiDeps, *, title: str = "Vigil") -> FastAPI:
    """The API app over `deps`; mounts auth (users, tokens, sessions, audit) too."""
    app = FastAPI(
        title=title,
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.vigil_api = deps
    app.state.vigil_event_waker = stream.EventWaker(deps.events)
    install_auth(app, deps.auth, deps.auth_settings)

    @app.get("/api/health", response_model=HealthOut, tags=["health"])
    def health() -> HealthOut:
        """Readiness: the API answers (no credentials needed)."""
        return HealthOut(status="ok")

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(_: CurrentUser) -> dict[str, Any]:
        return app.openapi()

    app.include_router(cameras.router)
    app.include_router(counts.router)
    app.include_router(geometry.router)
    # stream before events: /api/events/stream is not an event id
    app.include_router(stream.router)
    app.include_router(events.router)
    app.include_router(media.router)
    app.include_router(rules.router)
    app.include_router(stats.router)
    app.include_router(system.router)

    @app.exception_handler(CameraNotFoundError)
    async def camera_not_found(_: Request, e: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(e)}, status_code=404)

    @app.exception_handler(StoreError)
    async def store_failed(_: Request, e: Exception) -> JSONResponse:
        log.error("event store error: %s", e)
        return JSONResponse(
            {"detail": "the event store is unavailable; see the server log"},
            status_code=503,
        )

    return app


__all__ = ["PUBLIC_API_ROUTES", "create_app"]
