"""Statistics over stored events, computed in the database: events per rule per day, and
line crossings per line, direction and hour.

Days and hours are computed from Unix time (``counts.epoch_seconds``); days can be
shifted by a UTC offset so that they start at local midnight. Grouping happens over a
subquery so that the bucket expression (with bound parameters) appears once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.events.counts import epoch_seconds
from vigil.events.models import EventRow
from vigil.events.records import DayCount, LineHourCount

LINE_CROSSING = "line_crossing"
"""The kind of line-crossing events (``vigil.analytics.rules.line_crossing``); their attributes
hold ``line``, ``direction`` (in/out) and ``class``."""
EPOCH = date(1970, 1, 1)


def events_per_day(
    session: Session, cameras: list[str] | None, since: datetime, until: datetime, utc_offset_s: int
) -> list[DayCount]:
    day = ((epoch_seconds(EventRow.started_at) + utc_offset_s) // 86400).label("day")
    conds = [EventRow.started_at >= since, EventRow.started_at < until]
    if cameras is not None:
        conds.append(EventRow.camera.in_(cameras))
    inner = select(day, EventRow.rule, EventRow.kind).where(*conds).subquery()
    stmt = (
        select(inner.c.day, inner.c.rule, inner.c.kind, func.count())
        .group_by(inner.c.day, inner.c.rule, inner.c.kind)
        .order_by(inner.c.day, inner.c.rule, inner.c.kind)
    )
    return [
        DayCount(EPOCH + timedelta(days=int(d)), str(rule), str(kind), int(n))
        for d, rule, kind, n in session.execute(stmt).all()
    ]


def line_crossings_per_hour(
    session: Session, cameras: list[str] | None, since: datetime, until: datetime, classes: list[str] | None
) -> list[LineHourCount]:
    hour = ((epoch_seconds(EventRow.started_at) // 3600) * 3600).label("hour")
    direction = EventRow.attributes["direction"].as_string().label("direction")
    conds = [
        EventRow.kind == LINE_CROSSING, EventRow.line.is_not(None),
        EventRow.started_at >= since, EventRow.started_at < until,
    ]
    if cameras is not None:
        conds.append(EventRow.camera.in_(cameras))
    if classes is not None:
        conds.append(EventRow.attributes["class"].as_string().in_(classes))
    inner = select(hour, EventRow.line, direction).where(*conds).subquery()
    stmt = (
        select(inner.c.hour, inner.c.line, inner.c.direction, func.count())
        .where(inner.c.direction.is_not(None))
        .group_by(inner.c.hour, inner.c.line, inner.c.direction)
        .order_by(inner.c.hour, inner.c.line, inner.c.direction)
    )
    return [
        LineHourCount(datetime.fromtimestamp(int(h), UTC), str(line), str(d), int(n))
        for h, line, d, n in session.execute(stmt).all()
    ]
