"""Events: query across the caller's cameras (filters and cursor paging), one event, its history
and notes, acknowledgement. Routes that find an event by id check its camera with `ensure_camera`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from vigil.api.deps import ApiDeps, Deps, unprocessable
from vigil.api.schemas import (
    AcknowledgeIn,
    EventOut,
    EventPageOut,
    EventRecordOut,
    NoteIn,
    NoteOut,
)
from vigil.auth import (
    Action,
    CurrentUser,
    Principal,
    allowed_cameras,
    ensure_camera,
    require_action,
)
from vigil.events import EventNotFoundError, StoredEvent, StoreError
from vigil.events.store import MAX_PAGE, decode_cursor

router = APIRouter(prefix="/api/events", tags=["events"])
Acknowledger = Annotated[Principal, Depends(require_action(Action.ACKNOWLEDGE))]

Names = Annotated[list[str] | None, Query(max_length=64)]


def check_range(since: datetime | None, until: datetime | None) -> None:
    """422 naming the field for naive times and an empty range."""
    for name, at in (("since", since), ("until", until)):
        if at is not None and at.tzinfo is None:
            unprocessable(
                ("query", name),
                "give a timezone (e.g. 2025-01-01T12:00:00Z)",
                at.isoformat(),
            )
    if since is not None and until is not None and until <= since:
        unprocessable(("query", "until"), "must be after since", until.isoformat())


def time_range(
    since: datetime | None, until: datetime | None, default_span: timedelta, max_span: timedelta
) -> tuple[datetime, datetime]:
    """``[since, until)`` with defaults (until: now; since: ``default_span`` before until);
    422 naming the field for naive times, an empty range, or one longer than ``max_span``."""
    check_range(since, until)
    end = until or datetime.now(UTC)
    start = since or end - default_span
    if end <= start:
        unprocessable(("query", "since" if until is None else "until"), "the range is empty", None)
    if end - start > max_span:
        unprocessable(
            ("query", "since"), f"the range is longer than {max_span.days} days", start.isoformat()
        )
    return start, end


def event_for(
    deps: ApiDeps, principal: Principal, event_id: str, action: Action = Action.VIEW
) -> StoredEvent:
    """The event, after checking the caller may do `action` on its camera (404 / 403)."""
    try:
        event = deps.events.get(event_id)
    except EventNotFoundError as e:
        raise HTTPException(404, detail=f"no event {event_id!r}") from e
    ensure_camera(principal, event.camera, action)
    return event


@router.get("", response_model=EventPageOut)
def query_events(
    principal: CurrentUser,
    deps: Deps,
    camera: Names = None,
    kind: Names = None,
    rule: Names = None,
    zone: Names = None,
    since: Annotated[
        datetime | None,
        Query(description="Events that started at or after this (with timezone)."),
    ] = None,
    until: Annotated[
        datetime | None,
        Query(description="Events that started before this (with timezone)."),
    ] = None,
    acknowledged: bool | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=512, description="`next_cursor` of the previous page."),
    ] = None,
) -> EventPageOut:
    """Events newest first, of the cameras the caller may see (`camera` narrows them; naming a
    camera the caller may not see is 403)."""
    check_range(since, until)
    if cursor is not None:
        try:
            decode_cursor(cursor)
        except StoreError as e:
            unprocessable(("query", "cursor"), str(e), cursor)
    if camera:
        for cid in camera:
            ensure_camera(principal, cid)
        cameras: list[str] | None = camera
    else:
        allowed = allowed_cameras(principal.user)
        cameras = None if allowed is None else sorted(allowed)
    page = deps.events.query(
        camera=cameras, kind=kind, rule=rule, zone=zone, since=since, until=until,
        acknowledged=acknowledged, active=active, limit=limit, cursor=cursor,
    )  # fmt: skip
    return EventPageOut(
        items=[EventOut.of(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.get("/{event_id}", response_model=EventOut)
def get_event(event_id: str, principal: CurrentUser, deps: Deps) -> EventOut:
    return EventOut.of(event_for(deps, principal, event_id))


@router.get("/{event_id}/history", response_model=list[EventRecordOut])
def event_history(
    event_id: str, principal: CurrentUser, deps: Deps
) -> list[EventRecordOut]:
    """Every record of the event (start, updates, end), oldest first."""
    event_for(deps, principal, event_id)
    return [
        EventRecordOut(
            message_id=u.message_id,
            phase=u.phase,
            at=u.at,
            t=u.t,
            track_ids=list(u.track_ids),
            attributes=dict(u.attributes),
            confidence=u.confidence,
        )
        for u in deps.events.history(event_id)
    ]


@router.post("/{event_id}/ack", response_model=EventOut)
def acknowledge_event(
    event_id: str,
    principal: Acknowledger,
    deps: Deps,
    body: AcknowledgeIn | None = None,
) -> EventOut:
    """Acknowledge the event (operator; the first acknowledgement wins), optionally with a note."""
    event_for(deps, principal, event_id, Action.ACKNOWLEDGE)
    note = body.note if body is not None else None
    return EventOut.of(deps.events.acknowledge(event_id, principal.actor, note))


@router.get("/{event_id}/notes", response_model=list[NoteOut])
def list_notes(event_id: str, principal: CurrentUser, deps: Deps) -> list[NoteOut]:
    event_for(deps, principal, event_id)
    return [NoteOut.of(n) for n in deps.events.notes(event_id)]


@router.post("/{event_id}/notes", response_model=NoteOut, status_code=201)
def add_note(
    event_id: str, body: NoteIn, principal: Acknowledger, deps: Deps
) -> NoteOut:
    """Add a note (operator)."""
    event_for(deps, principal, event_id, Action.ACKNOWLEDGE)
    return NoteOut.of(deps.events.add_note(event_id, principal.actor, body.text))
