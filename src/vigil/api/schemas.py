"""Response and request bodies of the API (pydantic, published in the OpenAPI schema)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from vigil.api.registry import Overlay
from vigil.api.sysinfo import StorageUsage
from vigil.config.analytics import (
    LineConfig,
    RuleConfig,
    ZoneConfig,
    annotate_analytics_errors,
)
from vigil.config.service import CameraConfig
from vigil.delivery.outbox import OutboxHealth
from vigil.events.records import (
    Attributes,
    CountBucket,
    DayCount,
    HeatGrid,
    LineHourCount,
    MediaRef,
    Note,
    OutboxStats,
    StoredEvent,
)
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
    calibrated: bool = Field(
        description="Ground-plane calibrated: its rules' lengths and speeds are in m and m/s, not bh and bh/s."
    )

    @classmethod
    def of(cls, camera: str, cfg: CameraConfig) -> CameraOut:
        return cls(
            id=camera, enabled=cfg.enabled, zones=[z.name for z in cfg.zones],
            lines=[x.name for x in cfg.lines], calibrated=cfg.calibration is not None,
        )  # fmt: skip


class Geometry(BaseModel):
    """A camera's zones and lines (normalised 0-1 image coordinates) and its rules.

    Errors name the field without the rule-type tag pydantic puts in a union's path
    (``rules.2.min_dwell``, not ``rules.2.loitering.min_dwell``), with the config file's
    messages.
    """

    model_config = ConfigDict(extra="forbid")
    zones: list[ZoneConfig] = Field(default_factory=list, max_length=256)
    lines: list[LineConfig] = Field(default_factory=list, max_length=256)
    rules: list[RuleConfig] | None = Field(
        None,
        max_length=256,
        description="Behaviour rules keyed by type (see GET /api/rules/schema). GET: the camera's rules. "
        "PUT: the new rules (an empty list removes them all); omitted or null: the rules stay.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _config_errors(cls, data: Any, handler: ModelWrapValidatorHandler[Geometry]) -> Geometry:
        try:
            return handler(data)
        except ValidationError as e:
            raise _without_camera(annotate_analytics_errors(data, e)) from None


_CAMERA_PREFIX = re.compile(r"^camera '[^']*': ")


def _without_camera(e: ValidationError) -> ValidationError:
    """The config's messages start with the camera's name, which a request body does not carry."""
    return ValidationError.from_exception_data(
        e.title,
        [
            InitErrorDetails(
                type=PydanticCustomError(err["type"], "{message}", {"message": _CAMERA_PREFIX.sub("", err["msg"])}),
                loc=err["loc"],
                input=err["input"],
            )
            for err in e.errors(include_url=False)
        ],
    )


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
    cpu_percent: float | None = Field(
        None,
        description="CPU used by the camera's worker process, percent of one core "
        "(null: not measured).",
    )

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
            cpu_percent=getattr(h, "cpu_percent", None),
        )


def _n(x: float) -> float:
    return round(float(x), 4)


class TrackOverlayOut(_Out):
    id: int
    label: str = Field(description="Object class (person, car, ...).")
    box: tuple[float, float, float, float] = Field(
        description="x1, y1, x2, y2, normalised to the image (0-1, y down)."
    )
    trail: list[tuple[float, float]] = Field(
        description="Recent foot points [x, y], normalised, oldest first."
    )


class OverlayOut(_Out):
    """The tracks of the latest analysed frame, for drawing over the live image."""

    camera: str
    at: datetime = Field(description="Capture time of the frame.")
    width: int = Field(description="Frame width, pixels.")
    height: int = Field(description="Frame height, pixels.")
    tracks: list[TrackOverlayOut]

    @classmethod
    def of(cls, camera: str, o: Overlay) -> OverlayOut:
        tracks = [
            TrackOverlayOut(
                id=t.id, label=t.label, box=(_n(t.box[0]), _n(t.box[1]), _n(t.box[2]), _n(t.box[3])),
                trail=[(_n(x), _n(y)) for x, y in t.trail],
            )
            for t in o.tracks
        ]  # fmt: skip
        return cls(
            camera=camera, at=datetime.fromtimestamp(o.wall, UTC), width=o.width,
            height=o.height, tracks=tracks,
        )  # fmt: skip


class HeatmapOut(_Out):
    """Where people's feet were over [since, until), on a grid over the image."""

    camera: str
    since: datetime
    until: datetime
    grid_w: int = Field(description="Cells across (0 when there is no data).")
    grid_h: int = Field(description="Cells down (0 when there is no data).")
    cells: list[int] = Field(
        description="grid_h rows of grid_w counts, row-major, row 0 at the top of the image."
    )
    total: int = Field(description="Sum of the cells.")
    hours: int = Field(description="Hourly buckets added up (whole hours overlapping the range).")

    @classmethod
    def of(cls, camera: str, since: datetime, until: datetime, g: HeatGrid) -> HeatmapOut:
        return cls(
            camera=camera, since=since, until=until, grid_w=g.grid_w, grid_h=g.grid_h,
            cells=g.cells, total=g.total, hours=g.hours,
        )  # fmt: skip


class DayCountOut(_Out):
    day: date
    rule: str
    kind: str
    n: int

    @classmethod
    def of(cls, d: DayCount) -> DayCountOut:
        return cls(day=d.day, rule=d.rule, kind=d.kind, n=d.n)


class EventsPerDayOut(_Out):
    """Events per rule and kind per day, of the cameras asked for (or all the caller may see)."""

    cameras: list[str] | None = Field(
        description="The cameras counted; null: every camera (admins and all-camera users)."
    )
    since: datetime
    until: datetime
    utc_offset_min: int = Field(description="Days start at midnight at this UTC offset.")
    days: list[DayCountOut]


class LineHourOut(_Out):
    hour: datetime = Field(description="Start of the hour (UTC).")
    line: str
    direction: str = Field(description="in or out.")
    n: int

    @classmethod
    def of(cls, c: LineHourCount) -> LineHourOut:
        return cls(hour=c.hour, line=c.line, direction=c.direction, n=c.n)


class LineStatsOut(_Out):
    """Line crossings per line, direction and hour; hours without crossings are left out."""

    camera: str
    since: datetime
    until: datetime
    classes: list[str] | None = Field(description="Object classes counted; null: all.")
    hours: list[LineHourOut]


class StorageOut(_Out):
    used_bytes: int = Field(description="Media (clips, snapshots, segments) the retention cap limits.")
    cap_bytes: int | None = Field(description="The retention size cap; null: none.")
    free_bytes: int | None = Field(description="Free space on the data disk; null: unknown.")
    used_fraction: float | None = Field(description="used_bytes / cap_bytes; null without a cap.")

    @classmethod
    def of(cls, s: StorageUsage) -> StorageOut:
        fraction = None if not s.cap_bytes else round(s.used_bytes / s.cap_bytes, 4)
        return cls(used_bytes=s.used_bytes, cap_bytes=s.cap_bytes, free_bytes=s.free_bytes, used_fraction=fraction)


class DestinationOut(_Out):
    name: str = Field(description="The output (mqtt, a webhook's name, ...).")
    pending: int = Field(description="Messages waiting to be delivered.")
    failed: int = Field(description="Messages given up on (refused repeatedly).")
    oldest_pending_age: float | None = Field(description="Seconds the oldest waiting message has waited.")
    delivered: int = Field(description="Messages delivered since the worker started.")
    last_error: str | None
    last_error_at: datetime | None
    retry_in: float | None = Field(description="Seconds until the next attempt after a failure.")


class OutboxOut(_Out):
    running: bool = Field(description="Whether an outbox worker delivers in this process.")
    backlog: int = Field(description="Messages waiting, all destinations.")
    failed: int
    oldest_pending_age: float | None
    destinations: list[DestinationOut]

    @classmethod
    def of(cls, h: OutboxHealth) -> OutboxOut:
        return cls(
            running=h.running, backlog=h.backlog, failed=h.failed, oldest_pending_age=h.oldest_pending_age,
            destinations=[
                DestinationOut(
                    name=name, pending=d.pending, failed=d.failed, oldest_pending_age=d.oldest_pending_age,
                    delivered=d.delivered, last_error=d.last_error, last_error_at=d.last_error_at,
                    retry_in=d.retry_in,
                )
                for name, d in sorted(h.destinations.items())
            ],
        )  # fmt: skip

    @classmethod
    def of_stats(cls, s: OutboxStats, now: datetime) -> OutboxOut:
        """From the store alone (no worker in this process): backlog, nothing delivering."""
        names = sorted(set(s.pending) | set(s.failed))
        ages = {n: max(0.0, (now - s.oldest[n]).total_seconds()) for n in names if n in s.oldest}
        return cls(
            running=False, backlog=s.backlog, failed=sum(s.failed.values()),
            oldest_pending_age=max(ages.values()) if ages else None,
            destinations=[
                DestinationOut(
                    name=n, pending=s.pending.get(n, 0), failed=s.failed.get(n, 0),
                    oldest_pending_age=ages.get(n), delivered=0, last_error=None, last_error_at=None,
                    retry_in=None,
                )
                for n in names
            ],
        )  # fmt: skip


class SystemOut(_Out):
    """Version, health (with CPU) of the caller's cameras, storage and outbox backlog."""

    version: str
    cameras: list[CameraHealthOut]
    storage: StorageOut | None = Field(description="null: not known to this API.")
    outbox: OutboxOut
