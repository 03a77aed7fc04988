"""Typed records the store hands out: stored events, their history, notes, media, counts,
outbox items (the messages outputs deliver) and the routes that decide who gets what.

Times are timezone-aware UTC ``datetime``s (wall clock); ``t`` and ``started`` are the
stream times (seconds) the pipeline reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

AttributeValue = float | int | str | list[float] | None
Attributes = dict[str, AttributeValue]

PHASES = ("start", "update", "end", "instant")


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities (not valid JSON) replaced by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def iso(at: datetime | None) -> str | None:
    """ISO 8601 with offset (``2024-05-01T12:00:00.250000+00:00``), or None."""
    return None if at is None else at.isoformat()


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One event as stored: its latest state and its acknowledgement.

    phase: the latest record's phase. track_ids: every track that took part.
    attributes and confidence: the latest record's (confidence: the highest seen).
    active: started and not yet ended (instant events are never active).
    """

    id: str
    camera: str
    kind: str
    rule: str
    zone: str | None
    line: str | None
    phase: str
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    stream_started: float
    stream_t: float
    track_ids: tuple[int, ...]
    attributes: Attributes
    confidence: float
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    run: str

    @property
    def active(self) -> bool:
        return self.ended_at is None and self.phase != "instant"

    @property
    def duration(self) -> float | None:
        """Seconds from start to end (None while active)."""
        return None if self.ended_at is None else (self.ended_at - self.started_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "camera": self.camera,
            "kind": self.kind,
            "rule": self.rule,
            "zone": self.zone,
            "line": self.line,
            "phase": self.phase,
            "active": self.active,
            "started_at": iso(self.started_at),
            "updated_at": iso(self.updated_at),
            "ended_at": iso(self.ended_at),
            "track_ids": list(self.track_ids),
            "attributes": finite(self.attributes),
            "confidence": round(self.confidence, 4),
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
        }


@dataclass(frozen=True, slots=True)
class EventUpdate:
    """One record of an event's history (start, update, end or instant), as the pipeline sent it."""

    message_id: str
    event_id: str
    phase: str
    at: datetime
    t: float
    track_ids: tuple[int, ...]
    attributes: Attributes
    confidence: float


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of a query, newest first; pass ``next_cursor`` back to get the next page."""

    items: list[StoredEvent]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Note:
    event_id: str
    at: datetime
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A snapshot or clip file of an event; ``path`` is relative to the data directory."""

    event_id: str
    kind: str  # "snapshot" or "clip"
    path: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class CountBucket:
    """People counted in one zone over ``[start, start + bucket)``: samples and their statistics."""

    start: datetime
    samples: int
    minimum: int
    maximum: int
    mean: float


@dataclass(frozen=True, slots=True)
class CountSample:
    camera: str
    zone: str
    at: datetime
    count: int


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What ``delete_older_than`` removed; ``media_paths`` are the files now unreferenced.
    heat: hourly heat buckets deleted."""

    events: int
    counts: int
    media_paths: list[str] = field(default_factory=list)
    heat: int = 0


@dataclass(frozen=True, slots=True)
class HeatGrid:
    """Where people's feet were: ``cells`` is row-major (``grid_h`` rows of ``grid_w``
    counts, row 0 at the top of the image); ``total`` is their sum; ``hours`` how many
    hourly buckets were added up (0: no data, and an empty 0 x 0 grid)."""

    grid_w: int
    grid_h: int
    cells: list[int]
    total: int
    hours: int = 0


class DayCount(NamedTuple):
    """Events of one rule and kind that started on ``day``."""

    day: date
    rule: str
    kind: str
    n: int


class LineHourCount(NamedTuple):
    """Crossings of ``line`` in ``direction`` ("in" or "out") in the hour starting at ``hour``."""

    hour: datetime
    line: str
    direction: str
    n: int


@dataclass(frozen=True, slots=True)
class Route:
    """Which records go to a destination: ``kinds``/``cameras`` None means all."""

    destination: str
    kinds: frozenset[str] | None = None
    cameras: frozenset[str] | None = None

    def accepts(self, camera: str, kind: str) -> bool:
        return (self.kinds is None or kind in self.kinds) and (self.cameras is None or camera in self.cameras)


@dataclass(frozen=True, slots=True)
class EventMessage:
    """What an output delivers for one record of an event.

    event_id is stable over the event's start, updates and end (consumers de-duplicate
    events by it); message_id is stable for this record (de-duplicate deliveries by it).
    """

    event_id: str
    message_id: str
    phase: str
    camera: str
    kind: str
    rule: str
    zone: str | None
    line: str | None
    at: datetime
    started_at: datetime
    ended_at: datetime | None
    t: float
    started: float
    track_ids: tuple[int, ...]
    attributes: Attributes
    confidence: float

    def to_json(self) -> dict[str, Any]:
        """The JSON object MQTT and webhooks send (documented in ``vigil.delivery``)."""
        return {
            "id": self.event_id,
            "message_id": self.message_id,
            "phase": self.phase,
            "camera": self.camera,
            "kind": self.kind,
            "rule": self.rule,
            "zone": self.zone,
            "line": self.line,
            "at": iso(self.at),
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
            "t": round(self.t, 4),
            "started": round(self.started, 4),
            "track_ids": list(self.track_ids),
            "attributes": finite(self.attributes),
            "confidence": round(self.confidence, 4),
        }


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message waiting for ``destination``; ``id`` is the outbox row."""

    id: int
    destination: str
    attempts: int
    created_at: datetime
    message: EventMessage


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """Pending (undelivered, not given up) rows per destination and the oldest one's creation time."""

    pending: dict[str, int]
    oldest: dict[str, datetime]
    failed: dict[str, int]

    @property
    def backlog(self) -> int:
        return sum(self.pending.values())
