"""Zone counts as a time series: insert samples, read them raw or grouped in time buckets.

Buckets are computed in the database from Unix time (``epoch_seconds``), which each
backend spells differently; the statements stay SQLAlchemy Core with bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    cast,
    delete,
    extract,
    func,
    insert,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from vigil.events.models import ZoneCountRow
from vigil.events.records import CountBucket, CountSample


class epoch_seconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a ``UTCDateTime`` column."""

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return compiler.process(cast(func.strftime("%s", arg), Integer), **kw)


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return compiler.process(cast(func.floor(extract("epoch", arg)), BigInteger), **kw)


def add(conn: Connection, camera: str, counts: Mapping[str, int], at: datetime) -> None:
    conn.execute(
        insert(ZoneCountRow),
        [{"camera": camera, "zone": zone, "at": at, "count": int(n)} for zone, n in counts.items()],
    )


def samples(session: Session, camera: str, zone: str, since: datetime, until: datetime) -> list[CountSample]:
    rows = session.scalars(
        select(ZoneCountRow)
        .where(ZoneCountRow.camera == camera, ZoneCountRow.zone == zone,
               ZoneCountRow.at >= since, ZoneCountRow.at < until)
        .order_by(ZoneCountRow.at, ZoneCountRow.id)
    ).all()
    return [CountSample(r.camera, r.zone, r.at, r.count) for r in rows]


def series(
    session: Session, camera: str, zone: str, since: datetime, until: datetime, bucket: int
) -> list[CountBucket]:
    inner = (
        select(
            ((epoch_seconds(ZoneCountRow.at) // bucket) * bucket).label("start"),
            ZoneCountRow.count.label("n"),
        )
        .where(ZoneCountRow.camera == camera, ZoneCountRow.zone == zone,
               ZoneCountRow.at >= since, ZoneCountRow.at < until)
        .subquery()
    )
    stmt = (
        select(inner.c.start, func.count(), func.min(inner.c.n), func.max(inner.c.n), func.avg(inner.c.n))
        .group_by(inner.c.start)
        .order_by(inner.c.start)
    )
    return [
        CountBucket(datetime.fromtimestamp(int(start), UTC), int(k), int(lo), int(hi), float(mean))
        for start, k, lo, hi, mean in session.execute(stmt).all()
    ]


def delete_before(conn: Connection, cutoff: datetime) -> int:
    return int(conn.execute(delete(ZoneCountRow).where(ZoneCountRow.at < cutoff)).rowcount)
