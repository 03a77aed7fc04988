"""Statistics for the counts and plots page: a camera's heatmap of where people walk, events
per rule per day (over the caller's cameras), and line crossings in/out per hour.

Time ranges are ``since``/``until`` with a timezone; defaults end now. A range longer
than ``MAX_SPAN`` is 422, like an empty or naive one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from vigil.api.deps import Deps, known_camera
from vigil.api.events import Names, time_range
from vigil.api.schemas import (
    DayCountOut,
    EventsPerDayOut,
    HeatmapOut,
    LineHourOut,
    LineStatsOut,
)
from vigil.auth import (
    CurrentUser,
    Principal,
    allowed_cameras,
    ensure_camera,
    require_camera,
)

router = APIRouter(tags=["stats"])
View = Annotated[Principal, Depends(require_camera())]
ViewQuery = Annotated[Principal, Depends(require_camera(param="camera"))]

MAX_SPAN = timedelta(days=366)
Since = Annotated[datetime | None, Query(description="Start (with timezone); default: a span before until.")]
Until = Annotated[datetime | None, Query(description="End, exclusive (with timezone); default: now.")]


@router.get("/api/cameras/{camera_id}/heatmap", response_model=HeatmapOut)
def heatmap(camera_id: str, _: View, deps: Deps, since: Since = None, until: Until = None) -> HeatmapOut:
    """Where people's feet were (default: the last 24 h), on a grid over the image. Data is kept
    per hour: every hour that overlaps the range counts whole."""
    start, end = time_range(since, until, timedelta(hours=24), MAX_SPAN)
    known_camera(deps, camera_id)
    return HeatmapOut.of(camera_id, start, end, deps.events.heat(camera_id, start, end))


@router.get("/api/stats/events", response_model=EventsPerDayOut)
def events_per_day(
    principal: CurrentUser,
    deps: Deps,
    camera: Names = None,
    since: Since = None,
    until: Until = None,
    utc_offset_min: Annotated[
        int, Query(ge=-840, le=840, description="Days start at midnight at this UTC offset (minutes).")
    ] = 0,
) -> EventsPerDayOut:
    """Events per rule and kind per day (default: the last 7 days), of the cameras the caller
    may see (`camera` narrows them; naming a camera the caller may not see is 403)."""
    start, end = time_range(since, until, timedelta(days=7), MAX_SPAN)
    if camera:
        for cid in camera:
            ensure_camera(principal, cid)
        cameras: list[str] | None = sorted(set(camera))
    else:
        allowed = allowed_cameras(principal.user)
        cameras = None if allowed is None else sorted(allowed)
    days = deps.events.events_per_day(cameras, start, end, utc_offset_s=utc_offset_min * 60)
    return EventsPerDayOut(
        cameras=cameras, since=start, until=end, utc_offset_min=utc_offset_min,
        days=[DayCountOut.of(d) for d in days],
    )  # fmt: skip


@router.get("/api/stats/lines", response_model=LineStatsOut)
def line_crossings(
    _: ViewQuery,
    deps: Deps,
    camera: Annotated[str, Query(min_length=1, max_length=64, description="Camera id.")],
    since: Since = None,
    until: Until = None,
    classes: Annotated[
        list[str] | None,
        Query(alias="class", max_length=64, description="Object classes to count (person, car, ...); default: all."),
    ] = None,
) -> LineStatsOut:
    """Line crossings per line, direction (in/out) and hour (default: the last 24 h)."""
    start, end = time_range(since, until, timedelta(hours=24), MAX_SPAN)
    known_camera(deps, camera)
    hours = deps.events.line_crossings_per_hour(camera, start, end, classes=classes)
    return LineStatsOut(
        camera=camera, since=start, until=end, classes=classes, hours=[LineHourOut.of(h) for h in hours]
    )
