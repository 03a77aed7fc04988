"""The REST API of `vigil serve` (FastAPI; OpenAPI at /api/openapi.json for logged-in callers).

    deps = ApiDeps(events=EventStore(url), auth=AuthStore(engine), cameras=registry, data_dir=data)
    app = create_app(deps)

Routes (all under /api; per-camera access is checked on every camera-scoped route):
    GET  /health                                   readiness, public
    GET  /cameras, /cameras/{id}, /cameras/{id}/health, /snapshot.jpg, /live.mjpeg, /overlay
    GET  /cameras/{id}/counts?zone=&since=&until=&bucket=
    GET  /cameras/{id}/heatmap?since=&until=
    GET  /stats/events?camera=&since=&until=&utc_offset_min=
    GET  /stats/lines?camera=&since=&until=&class=
    GET  /system                                   operator or admin
    GET  /cameras/{id}/geometry   PUT (admin, audited): zones, lines and rules
    GET  /rules/schema                             rule types and their parameters, any user
    GET  /events?camera=&kind=&rule=&zone=&since=&until=&acknowledged=&active=&limit=&cursor=
    GET  /events/{id}, /history, /notes   POST /events/{id}/ack, /notes (operator)
    GET  /events/{id}/media, /events/{id}/media/{index} (HTTP Range)
    GET  /events/stream                            Server-Sent Events
    auth: /auth, /users, /tokens, /audit           (vigil.auth)
"""

from vigil.api.app import PUBLIC_API_ROUTES, create_app
from vigil.api.deps import ApiDeps
from vigil.api.registry import (
    CameraNotFoundError,
    CameraRegistry,
    Overlay,
    StaticCameraRegistry,
    TrackOverlay,
)
from vigil.api.schemas import CameraHealthOut, Geometry
from vigil.api.sysinfo import LocalSystem, StorageUsage, SystemProvider

__all__ = [
    "PUBLIC_API_ROUTES",
    "ApiDeps",
    "CameraHealthOut",
    "CameraNotFoundError",
    "CameraRegistry",
    "Geometry",
    "LocalSystem",
    "Overlay",
    "StaticCameraRegistry",
    "StorageUsage",
    "SystemProvider",
    "TrackOverlay",
    "create_app",
]
