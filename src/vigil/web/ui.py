"""`mount_ui`: the routes that serve the single-page app and its static files.

The page and its assets need no credentials (they hold no data: every datum comes from
/api, which checks the caller), so they are listed in `PUBLIC_UI_ROUTES` with the reason,
for `vigil.auth.testing.assert_all_routes_require_auth`. Every UI response carries
`SECURITY_HEADERS`: a strict Content-Security-Policy (scripts and styles from this origin
only, no inline script, no framing), nosniff and no referrer.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

from vigil.errors import VigilError

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
"""The app's files: index.html, app.css, js/, vendor/."""

CLIENT_ROUTES: tuple[str, ...] = (
    "/",
    "/setup",
    "/login",
    "/cameras",
    "/cameras/{camera_path:path}",
    "/events",
    "/counts",
    "/zones",
    "/users",
    "/system",
)
"""Paths the browser may load directly (bookmarks, reloads): each answers index.html."""

STATIC_ROUTE = "/static/{asset:path}"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Scripts and styles from this origin only (no inline script or style), images also from
blob: (the live view) and data:, no plugins, no framing."""

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

_MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

_PAGE_REASON = "the web UI's page: holds no data, every datum comes from /api with the caller's credentials"
_STATIC_REASON = "the web UI's scripts, styles and licences, shipped in the package: no data"



def _template(path: str) -> str:
    """A route's path as Starlette's ``path_format`` writes it (convertors left out)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


PUBLIC_UI_ROUTES: dict[tuple[str, str], str] = {
    **{("GET", _template(path)): _PAGE_REASON for path in CLIENT_ROUTES},
    ("GET", _template(STATIC_ROUTE)): _STATIC_REASON,
}
"""Every UI route (all answer without credentials), keyed like `vigil.auth.testing` does:
(method, path template without convertors), with the reason."""


def _asset(relative: str) -> Path:
    """The file under STATIC_DIR named by `relative`, or 404 (never a path outside it)."""
    root = STATIC_DIR.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file() or path.suffix not in _MEDIA_TYPES:
        raise HTTPException(404, detail=f"no UI file {relative!r}")
    return path


def _file(path: Path, cache: str) -> FileResponse:
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES[path.suffix],
        headers={**SECURITY_HEADERS, "Cache-Control": cache},
    )


def mount_ui(app: FastAPI) -> None:
    """Serve the web UI on `app`: index.html at `CLIENT_ROUTES`, assets at /static/...

    Mount it after the API routers (the API stays under /api and wins for its paths).
    """
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        raise VigilError(f"web UI: {index} is missing; reinstall vigil (the package data was not installed)")

    def page() -> FileResponse:
        return _file(index, "no-store")

    def asset(asset: str) -> FileResponse:
        # no-cache: the browser revalidates (ETag), so an upgrade shows at once
        return _file(_asset(asset), "no-cache")

    for path in CLIENT_ROUTES:
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False, name=f"ui:{path}")
    app.add_api_route(STATIC_ROUTE, asset, methods=["GET"], include_in_schema=False, name="ui:static")
    log.debug("web UI mounted from %s", STATIC_DIR)
