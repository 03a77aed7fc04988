"""The outbox table: messages waiting for a destination, oldest first, until delivered.

Rows are written by ``EventStore.record`` in the same transaction as the event. A worker
(``vigil.delivery.outbox.OutboxWorker``) takes due rows, delivers them and marks them
delivered, or records the error and when to try again; after repeated permanent errors
it gives a row up (``failed_at``), which ``requeue_failed`` undoes.

One worker per database: rows are not locked against a second one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from vigil.events.errors import StoreError
from vigil.events.models import EventRow, EventUpdateRow, OutboxRow
from vigil.events.records import EventMessage, OutboxItem, OutboxStats

log = logging.getLogger(__name__)

ERROR_CHARS = 1000


class OutboxQueue:
    """Outbox operations on one database (``EventStore.outbox``)."""

    def __init__(self, engine: Engine, reader: Engine, clock: Callable[[], datetime], url: str) -> None:
        self._engine = engine
        self._reader = reader
        self._clock = clock
        self._url = url

    @contextmanager
    def _conn(self, what: str, write: bool) -> Iterator[Connection]:
        try:
            if write:
                with self._engine.begin() as conn:
                    yield conn
            else:
                with self._reader.connect() as conn:
                    yield conn
        except SQLAlchemyError as e:
            raise StoreError(f"database {self._url}: cannot {what}: {e}") from e

    def due(
        self, limit: int = 100, destination: str | None = None, skip: Collection[str] = (),
        now: datetime | None = None,
    ) -> list[OutboxItem]:
        """Up to ``limit`` rows due ``now``, oldest first: for ``destination`` (None: any)
        except those in ``skip``."""
        now = self._clock() if now is None else now
        stmt = (
            select(OutboxRow, EventUpdateRow, EventRow)
            .join(EventUpdateRow, OutboxRow.update_id == EventUpdateRow.id)
            .join(EventRow, EventUpdateRow.event_id == EventRow.id)
            .where(OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None), OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if destination is not None:
            stmt = stmt.where(OutboxRow.destination == destination)
        if skip:
            stmt = stmt.where(OutboxRow.destination.not_in(list(skip)))
        try:
            with Session(self._reader) as session:
                rows = session.execute(stmt).all()
                return [_item(o, u, e) for o, u, e in rows]
        except SQLAlchemyError as e:
            raise StoreError(f"database {self._url}: cannot read the outbox: {e}") from e

    def delivered(self, ids: Collection[int], at: datetime | None = None) -> None:
        """Mark rows delivered."""
        if not ids:
            return
        at = self._clock() if at is None else at
        with self._conn("mark outbox rows delivered", write=True) as conn:
            conn.execute(
                update(OutboxRow).where(OutboxRow.id.in_(list(ids)))
                .values(delivered_at=at, attempts=OutboxRow.attempts + 1)
            )

    def retry(self, row: int, error: str, next_attempt_at: datetime) -> None:
        """Record a failed attempt of ``row``; it is due again at ``next_attempt_at``."""
        with self._conn("record an outbox failure", write=True) as conn:
            conn.execute(
                update(OutboxRow).where(OutboxRow.id == row)
                .values(attempts=OutboxRow.attempts + 1, last_error=error[:ERROR_CHARS],
                        next_attempt_at=next_attempt_at)
            )

    def give_up(self, row: int, error: str, at: datetime | None = None) -> None:
        """Stop trying ``row`` (it stays, with ``failed_at``, until ``requeue_failed``)."""
        at = self._clock() if at is None else at
        with self._conn("give up an outbox row", write=True) as conn:
            conn.execute(
                update(OutboxRow).where(OutboxRow.id == row)
                .values(attempts=OutboxRow.attempts + 1, last_error=error[:ERROR_CHARS], failed_at=at)
            )

    def requeue_failed(self, destination: str | None = None) -> int:
        """Make rows that were given up due again (all, or one destination's); returns how many."""
        stmt = update(OutboxRow).where(OutboxRow.failed_at.is_not(None), OutboxRow.delivered_at.is_(None))
        if destination is not None:
            stmt = stmt.where(OutboxRow.destination == destination)
        with self._conn("requeue failed outbox rows", write=True) as conn:
            n = int(conn.execute(stmt.values(failed_at=None, attempts=0, next_attempt_at=self._clock())).rowcount)
        if n:
            log.info("outbox: requeued %s rows for %s", n, destination or "all destinations")
        return n

    def stats(self) -> OutboxStats:
        """Pending and failed rows per destination, and each destination's oldest pending row."""
        undelivered = OutboxRow.delivered_at.is_(None)
        with self._conn("read outbox statistics", write=False) as conn:
            pending = conn.execute(
                select(OutboxRow.destination, func.count(), func.min(OutboxRow.created_at))
                .where(undelivered, OutboxRow.failed_at.is_(None))
                .group_by(OutboxRow.destination)
            ).all()
            failed = conn.execute(
                select(OutboxRow.destination, func.count())
                .where(undelivered, OutboxRow.failed_at.is_not(None))
                .group_by(OutboxRow.destination)
            ).all()
        return OutboxStats(
            pending={d: int(n) for d, n, _ in pending},
            oldest={d: o for d, _, o in pending if o is not None},
            failed={d: int(n) for d, n in failed},
        )



def _item(o: OutboxRow, u: EventUpdateRow, e: EventRow) -> OutboxItem:
    ended_at = u.at if u.phase == "end" else (e.started_at if u.phase == "instant" else None)
    message = EventMessage(
        event_id=e.id, message_id=u.message_id, phase=u.phase, camera=e.camera, kind=e.kind, rule=e.rule,
        zone=e.zone, line=e.line, at=u.at, started_at=e.started_at, ended_at=ended_at, t=u.t,
        started=e.stream_started, track_ids=tuple(u.track_ids), attributes=dict(u.attributes),
        confidence=u.confidence,
    )
    return OutboxItem(o.id, o.destination, o.attempts, o.created_at, message)
