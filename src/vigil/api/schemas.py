"""Response and request bodies of the API (pydantic, published in the OpenAPI schema)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from vigil.config.analytics import LineConfig, ZoneConfig
from vigil.events.records import Attributes, CountBucket, MediaRef, Note, StoredEvent
from vigil.service.health import CameraHealth, State


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class EventOut(_Out):
    id: str
    camera: str
    kind: str
    rule: str
    zone: str | None
    line: str | None
    phase: str
    active: bool
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    track_ids: list[int]
    attributes: Attributes
    confidence: float
    acknowledged_at: datetime | None
    acknowledged_by: str | None

    @classmethod
    def of(cls, e: StoredEvent) -> EventOut:
        return cls(
            id=e.id, camera=e.camera, kind=e.kind, rule=e.rule, zone=e.zone, line=e.line, phase=e.phase,
            active=e.active, started_at=e.started_at, updated_at=e.updated_at, ended_at=e.ended_at,
            track_ids=list(e.track_ids), attributes=e.to_json()["attributes"], confidence=e.confidence,
            acknowledged_at=e.acknowledged_at, acknowledged_by=e.acknowledged_by,
        )  # fmt: skip


class EventPageOut(_Out):
    items: list[EventOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last."
    )


class EventRecordOut(_Out):
    """One record of an event's history."""

    message_id: str
    phase: str
    at: datetime
    t: float
    track_ids: list[int]
    attributes: Attributes
    confidence: float


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000, description="The note.")


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(
        None, min_length=1, max_length=4000, description="Optional note stored with it."
    )


class NoteOut(_Out):
    at: datetime
    author: str
    text: str

    @classmethod
    def of(cls, n: Note) -> NoteOut:
        return cls(at=n.at, author=n.author, text=n.text)


class MediaOut(_Out):
    index: int = Field(
        description="Position in the event's media list; download at `url`."
    )
    kind: str = Field(description="snapshot or clip.")
    started_at: datetime
    ended_at: datetime | None
    url: str

    @classmethod
    def of(cls, index: int, m: MediaRef) -> MediaOut:
        return cls(
            index=index, kind=m.kind, started_at=m.started_at, ended_at=m.ended_at,
            url=f"/api/events/{m.event_id}/media/{index}",
        )  # fmt: skip


class CountBucketOut(_Out):
    start: datetime
    samples: int
    minimum: int
    maximum: int
    mean: float

    @classmethod
    def of(cls, b: CountBucket) -> CountBucketOut:
        return cls(
            start=b.start,
            samples=b.samples,
            minimum=b.minimum,
            maximum=b.maximum,
            mean=b.mean,
        )


class CountSeriesOut(_Out):
    camera: str
    zone: str
    bucket_s: float
    since: datetime
    until: datetime
    buckets: list[CountBucketOut]


class CameraOut(_Out):
    id: str
    enabled: bool
    zones: list[str]
    lines: list[str]


class Geometry(BaseModel):
    """A camera's zones and lines (normalised 0-1 image coordinates)."""

    model_config = ConfigDict(extra="forbid")
    zones: list[ZoneConfig] = Field(default_factory=list, max_length=256)
    lines: list[LineConfig] = Field(default_factory=list, max_length=256)


class HealthOut(_Out):
    status: str = Field(description="'ok' once the API answers.")


class CameraHealthOut(_Out):
    """How one camera's pipeline is doing (the supervisor's view)."""

    camera: str
    state: State = Field(
        description="starting, online (frames flowing), offline (no frames: reconnecting), "
        "restarting (after a crash or hang), finished (a file ended), stopped."
    )
    online: bool
    input_fps: float = Field(description="Frames per second decoded.")
    analysis_fps: float = Field(
        description="Frames per second through tracker and rules."
    )
    detect_fps: float = Field(
        description="Frames per second the detector ran on (not motion-gated)."
    )
    gated_fraction: float = Field(
        description="Share of analysed frames whose detection was skipped."
    )
    lag: float | None = Field(
        description="Seconds from capture to the end of analysis, latest frame."
    )
    last_frame_at: datetime | None = Field(
        description="Capture time of the latest analysed frame."
    )
    restarts: int = Field(
        description="Worker restarts (crashes, hangs, config changes)."
    )
    reconnects: int = Field(description="Source reconnects.")
    last_error: str | None = Field(description="The latest reason for a restart.")

    @classmethod
    def of(cls, h: CameraHealth) -> CameraHealthOut:
        at = (
            None
            if h.last_frame_wall is None
            else datetime.fromtimestamp(h.last_frame_wall, UTC)
        )
        return cls(
            camera=h.camera,
            state=h.state,
            online=h.online,
            input_fps=h.input_fps,
            analysis_fps=h.analysis_fps,
            detect_fps=h.detect_fps,
            gated_fraction=h.gated_fraction,
            lag=h.lag,
            last_frame_at=at,
            restarts=h.restarts,
            reconnects=h.reconnects,
            last_error=h.last_error,
        )
