"""Test machinery for apps that mount vigil auth: enumerate the app's routes so that none is forgotten.

    assert_all_routes_require_auth(app, client)   every route without credentials -> 401
    assert_camera_routes_enforced(app)            every route naming a camera checks it
    assert_camera_isolation(app, client, ...)     a user's credentials -> 403 on another camera
    assert_422_names_field(response, "field")     a 422 whose error locations name the field

Routes that must answer without credentials are listed with the reason, e.g.
``{**PUBLIC_ROUTES, ("GET", "/api/health"): "liveness probe, says nothing but ok"}``;
a mount that cannot be enumerated (StaticFiles) is listed as ``("*", "/assets")``. FastAPI's
/docs, /redoc and /openapi.json are routes too: disable them or list them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI
from starlette.convertors import (
    Convertor,
    FloatConvertor,
    IntegerConvertor,
    PathConvertor,
    UUIDConvertor,
)
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.websockets import WebSocketDisconnect

from vigil.auth.permissions import Action
from vigil.auth.router import PUBLIC_ROUTES

_iter_route_contexts: Callable[[list[BaseRoute]], Iterator[Any]] | None
try:
    from fastapi.routing import iter_route_contexts as _iter_route_contexts
except ImportError:  # FastAPI < 0.165 flattens included routers into app.routes
    _iter_route_contexts = None

__all__ = [
    "PUBLIC_ROUTES",
    "Endpoint",
    "assert_422_names_field",
    "assert_all_routes_require_auth",
    "assert_camera_isolation",
    "assert_camera_routes_enforced",
    "iter_endpoints",
]


@dataclass(frozen=True)
class Endpoint:
    """One method of one route. `path` is the template (``/api/cameras/{camera_id}/events``)."""

    kind: Literal["http", "websocket", "opaque"]
    method: str  # GET, POST, ...; WEBSOCKET; "*" for opaque mounts
    path: str
    route: Any  # the route as served (FastAPI: with the including routers' dependencies)
    convertors: Mapping[str, Convertor[Any]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path

    def url(self, values: Mapping[str, str] | None = None) -> str:
        """The path with `values` filled in, and dummy values valid for each parameter's converter."""
        filled = {name: _dummy(conv) for name, conv in self.convertors.items()}
        filled.update(values or {})
        return self.path.format(**filled)

    def camera_checks(self) -> list[tuple[str, Action]]:
        """(parameter, action) of every `require_camera` dependency of this route."""
        dependant = getattr(self.route, "dependant", None)
        found: list[tuple[str, Action]] = []
        stack = [dependant] if dependant is not None else []
        while stack:
            d = stack.pop()
            mark = getattr(d.call, "__vigil_camera__", None)
            if mark is not None:
                found.append(mark)
            stack.extend(d.dependencies)
        return found


def _dummy(conv: Convertor[Any]) -> str:
    if isinstance(conv, IntegerConvertor):
        return "1"
    if isinstance(conv, FloatConvertor):
        return "1.0"
    if isinstance(conv, UUIDConvertor):
        return str(uuid.UUID(int=1))
    if isinstance(conv, PathConvertor):
        return "x/1"
    return "1"  # a str parameter; "1" also passes int-typed endpoint parameters


def _contexts(routes: Iterable[BaseRoute]) -> Iterator[tuple[BaseRoute, Any]]:
    """(route as declared, route as served). FastAPI >= 0.165 keeps included routers unflattened;
    its `iter_route_contexts` yields their routes with prefixes and router dependencies applied."""
    if _iter_route_contexts is None:
        for r in routes:
            yield r, r
    else:
        for rc in _iter_route_contexts(list(routes)):
            yield rc.original_route, rc


def _walk(routes: Iterable[BaseRoute], prefix: str, convs: dict[str, Convertor[Any]]) -> Iterator[Endpoint]:
    for original, served in _contexts(routes):
        path = prefix + str(getattr(served, "path_format", None) or getattr(original, "path", repr(original)))
        params = {**convs, **(getattr(served, "param_convertors", None) or {})}
        if isinstance(original, WebSocketRoute):
            yield Endpoint("websocket", "WEBSOCKET", path, served, params)
        elif isinstance(original, Route):
            for method in sorted(served.methods or ()):
                yield Endpoint("http", method, path, served, params)
        elif isinstance(original, Mount):
            # A mount's path_format ends in its catch-all "/{path}"; the prefix is `path`.
            prefix_params = {k: v for k, v in params.items() if k != "path"}
            if original.routes:
                yield from _walk(original.routes, prefix + original.path, prefix_params)
            else:
                yield Endpoint("opaque", "*", prefix + original.path, served, prefix_params)
        else:
            yield Endpoint("opaque", "*", path, served, params)


def iter_endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, route) of the app, mounted sub-apps with routes included."""
    return list(_walk(app.routes, "", {}))


def _check_public(public: Mapping[tuple[str, str], str]) -> None:
    for key, reason in public.items():
        if not (isinstance(reason, str) and reason.strip()):
            raise AssertionError(f"public route {key} needs a reason why it answers without credentials")


def _no_credentials(client: TestClient) -> None:
    if "authorization" in client.headers:
        raise AssertionError("the client sends an Authorization header by default; use a client without one")
    client.cookies.clear()


def _ws_status(client: TestClient, url: str, headers: Mapping[str, str] | None = None) -> str:
    """'401' / '403' for a denied handshake, 'close CODE' or 'accepted' otherwise."""
    sent = dict(headers or {})
    cookies = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    if cookies and not any(k.lower() == "cookie" for k in sent):
        sent["cookie"] = cookies  # the test client leaves its cookies out of WebSocket handshakes
    try:
        with client.websocket_connect(url, headers=sent):
            return "accepted"
    except WebSocketDenialResponse as e:
        return str(e.status_code)
    except WebSocketDisconnect as e:
        return f"close {e.code}"


def assert_all_routes_require_auth(
    app: FastAPI, client: TestClient, public: Mapping[tuple[str, str], str] = PUBLIC_ROUTES
) -> list[Endpoint]:
    """Call every route of `app` without credentials and assert 401 (WebSockets: a 401 denial).

    `public` maps (method, path template) to why that route needs no credentials; an entry
    matching no route fails too, so the list cannot go stale. Returns the endpoints checked.
    """
    _check_public(public)
    _no_credentials(client)
    failures: list[str] = []
    checked: list[Endpoint] = []
    used: set[tuple[str, str]] = set()
    for ep in iter_endpoints(app):
        if ep.key in public:
            used.add(ep.key)
            continue
        if ep.kind == "opaque":
            failures.append(f"{ep.path}: a mount without routes cannot be checked; list ('*', {ep.path!r}) with why")
            continue
        client.cookies.clear()
        if ep.kind == "websocket":
            got = _ws_status(client, ep.url())
        else:
            got = str(client.request(ep.method, ep.url()).status_code)
        if got != "401":
            failures.append(f"{ep.method} {ep.path}: {got} without credentials, expected 401")
        checked.append(ep)
    failures += [f"public route {k} matches no route of the app" for k in public if k not in used]
    if not checked:
        failures.append("no route was checked")
    if failures:
        raise AssertionError("routes answer without credentials:\n  " + "\n  ".join(failures))
    return checked


def assert_camera_routes_enforced(app: FastAPI, camera_params: Iterable[str] = ("camera_id",)) -> list[Endpoint]:
    """Every route with a camera path parameter checks it with `require_camera` on that parameter.

    Returns every endpoint that has a camera check (path or query).
    """
    names = set(camera_params)
    failures: list[str] = []
    checked: list[Endpoint] = []
    for ep in iter_endpoints(app):
        checks = {param for param, _ in ep.camera_checks()}
        missing = sorted((names & set(ep.convertors)) - checks)
        if missing:
            failures.append(f"{ep.method} {ep.path}: no require_camera(param={missing[0]!r})")
        if checks:
            checked.append(ep)
    if failures:
        raise AssertionError("camera routes without a camera check:\n  " + "\n  ".join(failures))
    return checked


def assert_camera_isolation(
    app: FastAPI,
    client: TestClient,
    *,
    headers: Mapping[str, str],
    denied_camera: str,
    allowed_camera: str | None = None,
) -> list[Endpoint]:
    """With `headers` (a user's credentials), every camera-checked route answers 403 for
    `denied_camera`; for `allowed_camera`, VIEW-only routes answer neither 401 nor 403.

    headers: ``Authorization: Bearer ...``, or the session cookie set on `client` plus its
    ``X-CSRF-Token`` (without it, unsafe methods would be 403 for the wrong reason).
    """
    lowered = {k.lower() for k in headers}
    if not lowered & {"authorization", "x-csrf-token"}:
        raise AssertionError("pass an Authorization header, or X-CSRF-Token with a session cookie on the client")
    failures: list[str] = []
    endpoints = [ep for ep in iter_endpoints(app) if ep.camera_checks()]
    for ep in endpoints:
        checks = ep.camera_checks()
        for camera, want_denied in ((denied_camera, True), (allowed_camera, False)):
            if camera is None or (not want_denied and any(a is not Action.VIEW for _, a in checks)):
                continue
            path_values = {p: camera for p, _ in checks if p in ep.convertors}
            query = {p: camera for p, _ in checks if p not in ep.convertors}
            url = ep.url(path_values)
            if ep.kind == "websocket":
                qs = "&".join(f"{k}={v}" for k, v in query.items())
                got = _ws_status(client, f"{url}?{qs}" if qs else url, headers)
            else:
                got = str(client.request(ep.method, url, params=query, headers=dict(headers)).status_code)
            if want_denied and got != "403":
                failures.append(f"{ep.method} {ep.path} camera {camera!r}: {got}, expected 403")
            if not want_denied and got in ("401", "403"):
                failures.append(f"{ep.method} {ep.path} camera {camera!r}: {got}, expected access")
    if not endpoints:
        failures.append("the app has no route with require_camera")
    if failures:
        raise AssertionError("camera isolation broken:\n  " + "\n  ".join(failures))
    return endpoints


def assert_422_names_field(response: Any, field_name: str) -> None:
    """The response is a FastAPI 422 whose error locations include `field_name`."""
    if response.status_code != 422:
        raise AssertionError(f"expected 422 naming {field_name!r}, got {response.status_code}: {response.text}")
    locs = [tuple(e.get("loc", ())) for e in response.json().get("detail", [])]
    if not any(field_name in loc for loc in locs):
        raise AssertionError(f"422 does not name {field_name!r}; error locations: {locs}")
