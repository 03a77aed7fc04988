"""The event store: events with their history, media, notes and acknowledgement; zone counts;
heat buckets; statistics; the outbox that outputs deliver from.

``EventStore(url).record(event)`` is idempotent: recording the same record twice stores
it once. Each record and its outbox rows (one per route that accepts it) are written in
one transaction, so an event that is stored will be delivered, whatever crashes when.

All SQL is SQLAlchemy Core/ORM with bound parameters.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from sqlalchemy import Connection, Engine, and_, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from vigil.events import counts as _counts
from vigil.events import heat as _heat
from vigil.events import stats as _stats
from vigil.events.engine import insert_for, make_engine, safe_url
from vigil.events.errors import EventNotFoundError, StoreError
from vigil.events.ids import event_id as stable_id
from vigil.events.ids import message_id
from vigil.events.migrate import upgrade
from vigil.events.models import (
    NAME,
    EventRow,
    EventUpdateRow,
    MediaRow,
    NoteRow,
    OutboxRow,
)
from vigil.events.outbox import OutboxQueue
from vigil.events.records import (
    PHASES,
    CountBucket,
    CountSample,
    DayCount,
    EventPage,
    EventUpdate,
    HeatGrid,
    LineHourCount,
    MediaRef,
    Note,
    RetentionResult,
    Route,
    StoredEvent,
    finite,
)
from vigil.types import Event

log = logging.getLogger(__name__)

MAX_PAGE = 1000
MEDIA_KINDS = ("snapshot", "clip")
ID_CHARS = 36


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None:
        raise StoreError(f"{what}: naive datetime {at.isoformat()}; give a timezone-aware time")
    return at.astimezone(UTC)


def _name(value: Any) -> str | None:
    return None if value is None else str(value)


def _names(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _stored(r: EventRow) -> StoredEvent:
    return StoredEvent(
        id=r.id, camera=r.camera, kind=r.kind, rule=r.rule, zone=r.zone, line=r.line, phase=r.phase,
        started_at=r.started_at, updated_at=r.updated_at, ended_at=r.ended_at,
        stream_started=r.stream_started, stream_t=r.stream_t, track_ids=tuple(r.track_ids),
        attributes=dict(r.attributes), confidence=r.confidence,
        acknowledged_at=r.acknowledged_at, acknowledged_by=r.acknowledged_by, run=r.run,
    )


def encode_cursor(started_at: datetime, eid: str) -> str:
    raw = json.dumps([started_at.isoformat(), eid]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, eid = json.loads(raw)
        return _aware(datetime.fromisoformat(at), "cursor"), str(eid)
    except (binascii.Error, ValueError, TypeError, StoreError) as e:
        raise StoreError(f"cursor {cursor[:40]!r}: not a cursor this store handed out") from e


class EventStore:
    """Events, history, media, notes, zone counts and the outbox in one database.

    url: ``sqlite:///…/vigil.db`` or ``postgresql://…``; the schema is migrated on open.
    routes: which destinations get an outbox row for which events (see ``vigil.delivery``).
    run: names this pipeline run in event ids (default: random per store); give each
    run of a camera's pipeline its own, since stream time restarts at 0 with it.
    clock: wall clock (UTC) for ``at`` defaults and outbox times; injectable for tests.
    Thread-safe: one store is shared by the pipeline, the outbox worker and the API.
    """

    def __init__(
        self,
        url: str,
        *,
        routes: Sequence[Route] = (),
        run: str | None = None,
        migrate: bool = True,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.url = safe_url(url)
        self._engine: Engine = make_engine(url)
        self._reader = self._engine.execution_options(vigil_read=True)
        if migrate:
            upgrade(self._engine)
        self.run = run or uuid.uuid4().hex
        self.routes = tuple(routes)
        self.clock = clock
        self.outbox = OutboxQueue(self._engine, self._reader, clock, self.url)
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        log.info("event store %s open (%s)", self.url, self._engine.dialect.name)

    # -- lifecycle -------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        return str(self._engine.dialect.name)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` (no arguments, must not block) after each change to the events:
        every record stored (not a repeated one) and every acknowledgement, from the writing
        thread, after the commit. An exception in a callback is logged, not raised."""
        with self._lock:
            self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[], None]) -> None:
        """Stop calling ``callback`` (one registration of it); a callback not registered is ignored."""
        with self._lock:
            if callback in self._listeners:
                self._listeners.remove(callback)

    def _notify(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback()
            except Exception:  # a listener's bug must not fail a record that is already stored
                log.exception("event store listener %r failed", callback)

    @contextmanager
    def _write(self, what: str) -> Iterator[Connection]:
        try:
            with self._engine.begin() as conn:
                yield conn
        except SQLAlchemyError as e:
            raise StoreError(f"database {self.url}: cannot {what}: {e}") from e

    @contextmanager
    def _read(self, what: str) -> Iterator[Session]:
        try:
            with Session(self._reader) as session:
                yield session
        except SQLAlchemyError as e:
            raise StoreError(f"database {self.url}: cannot {what}: {e}") from e

    # -- recording -------------------------------------------------------------------

    def record(
        self, event: Event, *, at: datetime | None = None, run: str | None = None, event_id: str | None = None
    ) -> str:
        """Store one record of an event and queue it for every route that accepts it; return the event id.

        at: wall time of this record (default: now); with ``event.t - event.started`` it
        dates the event's start. A start or instant record gets a new stable id (see
        ``vigil.events.ids``); an update or end record joins the event of this run, camera,
        rule and kind with the same onset that shares the most track ids (preferring one
        still open), or starts one if there is none. A record stored before (same event,
        phase and stream time) is not stored or queued again.

        event_id: use this id instead (every phase), e.g. the one the camera worker computed
        with ``vigil.events.ids.event_id`` for the event's clip. A record naming the id of
        another camera's event is refused (StoreError).
        """
        phase = event.phase
        what = f"record {phase} of {event.kind} on camera {event.camera!r}"
        if phase not in PHASES:
            raise StoreError(f"{what}: unknown phase {phase!r}; expected one of {', '.join(PHASES)}")
        if event_id is not None and not 0 < len(event_id) <= ID_CHARS:
            raise StoreError(f"{what}: event_id {event_id[:ID_CHARS]!r} must be 1 to {ID_CHARS} characters")
        rule = _name(event.attributes.get("rule")) or ""
        zone, line = _name(event.attributes.get("zone")), _name(event.attributes.get("line"))
        for field, value in (("camera", event.camera), ("kind", event.kind), ("rule", rule),
                             ("zone", zone), ("line", line)):
            if value is not None and len(value) > NAME:
                raise StoreError(f"{what}: {field} {value[:NAME]!r}… is longer than {NAME} characters")
        at = self.clock() if at is None else _aware(at, what)
        run = run or self.run
        started = event.t if event.started is None else event.started
        ids = sorted({int(i) for i in event.track_ids})
        attrs = finite(dict(event.attributes))
        conf = float(event.confidence) if event.confidence == event.confidence else 0.0
        now = self.clock()
        with self._write(what) as conn:
            found = event_id
            if found is None and phase in ("update", "end"):
                found = self._find_event(conn, run, event.camera, rule, event.kind, started, ids)
            eid = found or stable_id(run, event.camera, rule, event.kind, started, ids)
            started_at = at - timedelta(seconds=max(0.0, event.t - started))
            conn.execute(
                insert_for(conn, EventRow).values(
                    id=eid, run=run, camera=event.camera, kind=event.kind, rule=rule, zone=zone, line=line,
                    phase=phase, started_at=started_at, updated_at=at,
                    ended_at=started_at if phase == "instant" else (at if phase == "end" else None),
                    stream_started=started, stream_t=event.t, track_ids=ids, attributes=attrs,
                    confidence=conf,
                ).on_conflict_do_nothing(index_elements=["id"])
            )
            update_id = conn.execute(
                insert_for(conn, EventUpdateRow).values(
                    event_id=eid, message_id=message_id(eid, phase, event.t), phase=phase, at=at,
                    t=event.t, track_ids=ids, attributes=attrs, confidence=conf,
                ).on_conflict_do_nothing(index_elements=["message_id"]).returning(EventUpdateRow.id)
            ).scalar_one_or_none()
            if update_id is None:
                log.debug("camera %s: %s record of event %s already stored", event.camera, phase, eid)
                return eid
            self._merge(conn, eid, event.camera, phase, at, event.t, ids, attrs, conf)
            for route in self.routes:
                if route.accepts(event.camera, event.kind):
                    conn.execute(
                        insert_for(conn, OutboxRow).values(
                            update_id=update_id, destination=route.destination, created_at=now,
                            next_attempt_at=now, attempts=0,
                        ).on_conflict_do_nothing(index_elements=["update_id", "destination"])
                    )
        self._notify()
        return eid

    def _find_event(
        self, conn: Connection, run: str, camera: str, rule: str, kind: str, started: float, ids: list[int]
    ) -> str | None:
        rows = conn.execute(
            select(EventRow.id, EventRow.track_ids, EventRow.ended_at)
            .where(EventRow.run == run, EventRow.camera == camera, EventRow.kind == kind,
                   EventRow.rule == rule, EventRow.stream_started == started)
            .order_by(EventRow.started_at, EventRow.id)
        ).all()
        if not rows:
            return None
        wanted = set(ids)
        best = max(rows, key=lambda r: (len(wanted & set(r.track_ids)), r.ended_at is None))
        return str(best.id)

    def _merge(
        self, conn: Connection, eid: str, camera: str, phase: str, at: datetime, t: float,
        ids: list[int], attrs: dict[str, Any], conf: float,
    ) -> None:
        """Fold one new record into the event's latest state (late records do not roll it back)."""
        row = conn.execute(
            select(EventRow.camera, EventRow.track_ids, EventRow.confidence, EventRow.stream_t,
                   EventRow.updated_at, EventRow.ended_at).where(EventRow.id == eid)
        ).one()
        if row.camera != camera:  # rolls the transaction back: nothing of this record is kept
            raise StoreError(f"record of camera {camera!r}: event id {eid} belongs to camera {row.camera!r}")
        values: dict[str, Any] = {
            "track_ids": sorted(set(row.track_ids) | set(ids)),
            "confidence": max(row.confidence, conf),
            "updated_at": max(row.updated_at, at),
        }
        if t >= row.stream_t:
            values.update(stream_t=t, attributes=attrs)
            if row.ended_at is None or phase == "end":
                values["phase"] = phase
        if phase == "end":
            values["ended_at"] = at if row.ended_at is None else min(row.ended_at, at)
        conn.execute(update(EventRow).where(EventRow.id == eid).values(**values))

    # -- reading ---------------------------------------------------------------------

    def get(self, eid: str) -> StoredEvent:
        """The event ``eid``; raises EventNotFoundError."""
        with self._read(f"read event {eid}") as session:
            row = session.get(EventRow, eid)
            if row is None:
                raise EventNotFoundError(f"database {self.url}: no event with id {eid!r}")
            return _stored(row)

    def history(self, eid: str) -> list[EventUpdate]:
        """Every record of event ``eid`` in the order stored (start first)."""
        with self._read(f"read history of event {eid}") as session:
            rows = session.scalars(
                select(EventUpdateRow).where(EventUpdateRow.event_id == eid).order_by(EventUpdateRow.id)
            ).all()
        return [
            EventUpdate(message_id=r.message_id, event_id=r.event_id, phase=r.phase, at=r.at, t=r.t,
                        track_ids=tuple(r.track_ids), attributes=dict(r.attributes), confidence=r.confidence)
            for r in rows
        ]

    def query(
        self,
        *,
        camera: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        rule: str | Iterable[str] | None = None,
        zone: str | Iterable[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        acknowledged: bool | None = None,
        active: bool | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> EventPage:
        """Events newest first (by start), filtered; ``since <= started_at < until``.

        Paging is by keyset: pass the page's ``next_cursor`` to continue; it stays right
        while new events arrive. ``limit`` is 1 to 1000.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise StoreError(f"query limit {limit}: must be 1 to {MAX_PAGE}")
        conds: list[Any] = []
        for column, value in ((EventRow.camera, camera), (EventRow.kind, kind), (EventRow.rule, rule),
                              (EventRow.zone, zone)):
            names = _names(value)
            if names is not None:
                conds.append(column.in_(names))
        if since is not None:
            conds.append(EventRow.started_at >= _aware(since, "query since"))
        if until is not None:
            conds.append(EventRow.started_at < _aware(until, "query until"))
        if acknowledged is not None:
            conds.append(EventRow.acknowledged_at.is_not(None) if acknowledged else EventRow.acknowledged_at.is_(None))
        if active is not None:
            is_active = and_(EventRow.ended_at.is_(None), EventRow.phase != "instant")
            conds.append(is_active if active else ~is_active)
        if cursor is not None:
            c_at, c_id = decode_cursor(cursor)
            conds.append(or_(EventRow.started_at < c_at, and_(EventRow.started_at == c_at, EventRow.id < c_id)))
        stmt = (select(EventRow).where(*conds)
                .order_by(EventRow.started_at.desc(), EventRow.id.desc()).limit(limit + 1))
        with self._read("query events") as session:
            rows = session.scalars(stmt).all()
            items = [_stored(r) for r in rows[:limit]]
        nxt = encode_cursor(items[-1].started_at, items[-1].id) if len(rows) > limit else None
        return EventPage(items, nxt)

    # -- operator actions --------------------------------------------------------------

    def acknowledge(self, eid: str, user: str, note: str | None = None, at: datetime | None = None) -> StoredEvent:
        """Mark event ``eid`` acknowledged by ``user`` (first acknowledgement wins), optionally with a note."""
        at = self.clock() if at is None else _aware(at, "acknowledge")
        with self._write(f"acknowledge event {eid}") as conn:
            done = conn.execute(
                update(EventRow).where(EventRow.id == eid, EventRow.acknowledged_at.is_(None))
                .values(acknowledged_at=at, acknowledged_by=user[:128])
            ).rowcount
            if not done:
                self._require(conn, eid)
            if note:
                conn.execute(insert_for(conn, NoteRow).values(event_id=eid, at=at, author=user[:128], text=note))
        if done:
            self._notify()
        return self.get(eid)

    def add_note(self, eid: str, user: str, text: str, at: datetime | None = None) -> Note:
        at = self.clock() if at is None else _aware(at, "add note")
        with self._write(f"add a note to event {eid}") as conn:
            self._require(conn, eid)
            conn.execute(insert_for(conn, NoteRow).values(event_id=eid, at=at, author=user[:128], text=text))
        return Note(eid, at, user[:128], text)

    def notes(self, eid: str) -> list[Note]:
        with self._read(f"read notes of event {eid}") as session:
            rows = session.scalars(
                select(NoteRow).where(NoteRow.event_id == eid).order_by(NoteRow.at, NoteRow.id)
            ).all()
        return [Note(r.event_id, r.at, r.author, r.text) for r in rows]

    def attach_media(
        self, eid: str, kind: str, path: str, started_at: datetime, ended_at: datetime | None = None
    ) -> MediaRef:
        """Reference a snapshot or clip file (path relative to the data directory) from event ``eid``."""
        if kind not in MEDIA_KINDS:
            raise StoreError(f"media kind {kind!r} for event {eid}: expected one of {', '.join(MEDIA_KINDS)}")
        started_at = _aware(started_at, f"{kind} {path}")
        ended_at = None if ended_at is None else _aware(ended_at, f"{kind} {path}")
        with self._write(f"attach {kind} {path} to event {eid}") as conn:
            self._require(conn, eid)
            conn.execute(
                insert_for(conn, MediaRow).values(
                    event_id=eid, kind=kind, path=path, started_at=started_at, ended_at=ended_at,
                    created_at=self.clock(),
                ).on_conflict_do_nothing(index_elements=["event_id", "kind", "path"])
            )
        return MediaRef(eid, kind, path, started_at, ended_at)

    def media(self, eid: str) -> list[MediaRef]:
        with self._read(f"read media of event {eid}") as session:
            rows = session.scalars(
                select(MediaRow).where(MediaRow.event_id == eid).order_by(MediaRow.started_at, MediaRow.id)
            ).all()
        return [MediaRef(r.event_id, r.kind, r.path, r.started_at, r.ended_at) for r in rows]

    def _require(self, conn: Connection, eid: str) -> None:
        if conn.execute(select(EventRow.id).where(EventRow.id == eid)).first() is None:
            raise EventNotFoundError(f"database {self.url}: no event with id {eid!r}")

    # -- zone counts -------------------------------------------------------------------

    def record_counts(self, camera: str, counts: Mapping[str, int], at: datetime | None = None) -> None:
        """Add one sample per zone: ``counts`` maps zone name to people counted at ``at`` (default now)."""
        at = self.clock() if at is None else _aware(at, f"counts of camera {camera!r}")
        if counts:
            with self._write(f"record zone counts of camera {camera!r}") as conn:
                _counts.add(conn, camera, counts, at)

    def counts(self, camera: str, zone: str, since: datetime, until: datetime) -> list[CountSample]:
        """Raw samples of one zone in ``[since, until)``, oldest first."""
        since, until = _aware(since, "counts since"), _aware(until, "counts until")
        with self._read(f"read counts of camera {camera!r} zone {zone!r}") as session:
            return _counts.samples(session, camera, zone, since, until)

    def count_series(
        self, camera: str, zone: str, since: datetime, until: datetime, bucket: float = 60.0
    ) -> list[CountBucket]:
        """Samples of one zone in ``[since, until)`` grouped in ``bucket``-second intervals
        aligned to the Unix epoch (UTC); buckets without samples are left out."""
        since, until = _aware(since, "counts since"), _aware(until, "counts until")
        if not 1.0 <= bucket <= 366 * 86400:
            raise StoreError(f"count bucket {bucket} s: must be 1 s to 366 days")
        with self._read(f"read counts of camera {camera!r} zone {zone!r}") as session:
            return _counts.series(session, camera, zone, since, until, int(bucket))

    # -- heatmap and statistics --------------------------------------------------------

    def record_heat(self, camera: str, at: datetime, grid_w: int, grid_h: int, cells: Sequence[int]) -> None:
        """Add a foot-point grid (row-major counts, ``grid_h`` rows of ``grid_w``) of ``camera``
        into its bucket of the UTC hour of ``at``. Call it with counts gathered over a while
        (a minute), not per frame."""
        what = f"heat of camera {camera!r}"
        if len(camera) > NAME:
            raise StoreError(f"{what}: camera name is longer than {NAME} characters")
        hour = _heat.hour_of(_aware(at, what))
        values = _heat.check_grid(what, grid_w, grid_h, cells)
        with self._write(f"record {what}") as conn:
            _heat.add(conn, camera, hour, grid_w, grid_h, values)

    def heat(self, camera: str, since: datetime, until: datetime) -> HeatGrid:
        """The camera's grid added up over the hourly buckets that overlap ``[since, until)``
        (see ``vigil.events.heat``); an empty 0 x 0 grid when there are none."""
        since, until = _aware(since, "heat since"), _aware(until, "heat until")
        with self._read(f"read heat of camera {camera!r}") as session:
            return _heat.read(session, camera, since, until)

    def events_per_day(
        self, cameras: str | Iterable[str] | None, since: datetime, until: datetime, utc_offset_s: int = 0
    ) -> list[DayCount]:
        """(day, rule, kind, n) of events that started in ``[since, until)`` on ``cameras``
        (None: all), oldest day first. Days start at midnight UTC shifted by ``utc_offset_s``
        (e.g. 3600 for UTC+1)."""
        since, until = _aware(since, "events per day since"), _aware(until, "events per day until")
        if abs(utc_offset_s) > 14 * 3600:
            raise StoreError(f"events per day: UTC offset {utc_offset_s} s is beyond ±14 h")
        with self._read("count events per day") as session:
            return _stats.events_per_day(session, _names(cameras), since, until, int(utc_offset_s))

    def line_crossings_per_hour(
        self, cameras: str | Iterable[str] | None, since: datetime, until: datetime,
        classes: str | Iterable[str] | None = None,
    ) -> list[LineHourCount]:
        """(hour, line, direction, n) of line_crossing events in ``[since, until)`` on ``cameras``
        (None: all), of ``classes`` (object class names, None: all), oldest hour first."""
        since, until = _aware(since, "line crossings since"), _aware(until, "line crossings until")
        with self._read("count line crossings per hour") as session:
            return _stats.line_crossings_per_hour(session, _names(cameras), since, until, _names(classes))

    # -- retention ---------------------------------------------------------------------

    def delete_older_than(self, days: float, now: datetime | None = None) -> RetentionResult:
        """Delete events last updated more than ``days`` ago (with their history, outbox rows,
        notes and media references), and zone counts and heat buckets older than that.

        Returns what went, with the media paths no longer referenced: the caller deletes the files.
        """
        if days < 0:
            raise StoreError(f"retention of {days} days: must not be negative")
        now = self.clock() if now is None else _aware(now, "retention")
        cutoff = now - timedelta(days=days)
        old = select(EventRow.id).where(EventRow.updated_at < cutoff)
        with self._write(f"delete events older than {days} days") as conn:
            paths = conn.execute(select(MediaRow.path).where(MediaRow.event_id.in_(old)).distinct()).scalars().all()
            n_events = conn.execute(delete(EventRow).where(EventRow.updated_at < cutoff)).rowcount
            n_counts = _counts.delete_before(conn, cutoff)
            n_heat = _heat.delete_before(conn, cutoff)
            kept: set[str] = set()
            if paths:  # a file another (newer) event still references stays
                kept = set(conn.execute(select(MediaRow.path).where(MediaRow.path.in_(paths))).scalars().all())
        if n_events or n_counts or n_heat:
            log.info("retention: deleted %s events, %s count samples and %s heat buckets before %s",
                     n_events, n_counts, n_heat, cutoff)
        return RetentionResult(events=n_events, counts=n_counts, media_paths=sorted(set(paths) - kept), heat=n_heat)
