"""A live stream of events as Server-Sent Events (``text/event-stream``).

Each message is ``event: event`` with the event's JSON (as ``GET /api/events/{id}``) in
``data`` and its id in ``id``; an event is sent again whenever it changes (update, end,
acknowledgement). The stream carries the events that change after the client connects
and started at most ``LOOKBACK`` before it, of the cameras the caller may see (``camera``
narrows them); older events are read with ``GET /api/events``.

Every ``ApiDeps.stream_recheck_s`` the stream sends a keepalive comment and checks the
caller again: it ends when the token is revoked, the session ended, or the user was
disabled, deleted or given another role or cameras (the client reconnects and is checked anew).
The store's listener (``EventStore.add_listener``) wakes the streams at once on every
stored record and acknowledgement; notes and changes written by another process (a
second store on the same database) are noticed within ``ApiDeps.stream_poll_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from vigil.api.deps import ApiDeps, Deps
from vigil.api.schemas import EventOut
from vigil.auth import CurrentUser, Principal, allowed_cameras, ensure_camera, get_auth
from vigil.events import EventStore

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/events", tags=["events"])

LOOKBACK = timedelta(minutes=10)
"""Events may be recorded with a start up to this long before the client connected."""
PAGE = 200


class EventWaker:
    """Wakes every open stream when the store changes (the store calls from its writing thread).

    It listens to the store only while a stream is open, so an app that is dropped leaves
    nothing behind in the store.
    """

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()

    def _notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, ev in waiters:
            try:
                loop.call_soon_threadsafe(ev.set)
            except RuntimeError:  # the stream's loop closed
                pass

    @property
    def listening(self) -> bool:
        """Whether the waker is registered with the store (a stream is open)."""
        with self._lock:
            return bool(self._waiters)

    @contextmanager
    def subscribe(self) -> Iterator[asyncio.Event]:
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if not self._waiters:
                self._store.add_listener(self._notify)
            self._waiters.add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._waiters.discard(entry)
                if not self._waiters:
                    self._store.remove_listener(self._notify)


def _changed(
    deps: ApiDeps,
    cameras: list[str] | None,
    connected: datetime,
    seen: dict[str, datetime],
) -> list[EventOut]:
    page = deps.events.query(camera=cameras, since=connected - LOOKBACK, limit=PAGE)
    out = []
    for e in reversed(page.items):  # oldest first
        stamp = max(e.updated_at, e.acknowledged_at or e.updated_at)
        if stamp >= connected and seen.get(e.id) != stamp:
            seen[e.id] = stamp
            out.append(EventOut.of(e))
    return out


def still_allowed(
    deps: ApiDeps, principal: Principal, session_cookie: str | None, idle_s: float
) -> bool:
    """Whether the caller's credentials and rights are still those the stream started with."""
    auth = deps.auth
    user = auth.get_user(principal.user.id)
    if (
        user is None
        or user.disabled
        or (user.role, user.cameras) != (principal.user.role, principal.user.cameras)
    ):
        return False
    if principal.token is not None:
        token = auth.get_token(principal.token.id)
        return token is not None and token.active(auth.clock())
    return (
        session_cookie is not None
        and auth.resolve_session(session_cookie, idle_s) is not None
    )


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-Sent Events, one per change.",
        }
    },
)
async def event_stream(
    request: Request,
    principal: CurrentUser,
    deps: Deps,
    camera: Annotated[list[str] | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    if camera:
        for cid in camera:
            ensure_camera(principal, cid)
        cameras: list[str] | None = list(camera)
    else:
        allowed = allowed_cameras(principal.user)
        cameras = None if allowed is None else sorted(allowed)
    waker: EventWaker = request.app.state.vigil_event_waker
    connected = deps.events.clock()
    user = principal.user.username
    settings = get_auth(request).settings
    cookie = (
        request.cookies.get(settings.cookie_name)
        if principal.method == "session"
        else None
    )

    async def messages() -> AsyncIterator[str]:
        seen: dict[str, datetime] = {}
        loop = asyncio.get_running_loop()
        next_check = loop.time() + deps.stream_recheck_s
        log.debug("event stream opened by %s for cameras %s", user, cameras or "all")
        with waker.subscribe() as woken:
            yield "retry: 3000\n\n"
            while not await request.is_disconnected():
                woken.clear()
                if cameras != []:
                    for ev in await asyncio.to_thread(
                        _changed, deps, cameras, connected, seen
                    ):
                        yield f"id: {ev.id}\nevent: event\ndata: {ev.model_dump_json()}\n\n"
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), deps.stream_poll_s)
                if loop.time() >= next_check:
                    next_check = loop.time() + deps.stream_recheck_s
                    idle_s = settings.session_idle_timeout_s
                    if not await asyncio.to_thread(
                        still_allowed, deps, principal, cookie, idle_s
                    ):
                        log.info(
                            "event stream of %s ended: credentials or rights changed",
                            user,
                        )
                        return
                    yield ": keepalive\n\n"
        log.debug("event stream of %s closed", user)

    return StreamingResponse(
        messages(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
