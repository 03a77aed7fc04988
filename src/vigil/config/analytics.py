"""Behaviour-analytics config: zones, lines, ground-plane calibration and rules.

Geometry is in normalised image coordinates: ``[x, y]`` with x = column / width and
y = row / height, both in [0, 1], origin top-left. Durations are seconds of stream
time, never frames.

Lengths and speeds are in *rule units*: body heights (bh) and bh/s when the camera is
not calibrated, metres and m/s when it is (see ``calibration``). A length or speed
left unset takes the documented default in body heights, converted to metres with
a nominal body height of 1.7 m when calibrated.

``rules`` is a list keyed by ``type``::

    rules:
      - {type: running}
      - {type: loitering, name: loiter-door, zone: door, min_dwell: 60}
      - {type: line_crossing, line: entrance, classes: [person, car]}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from vigil.config.base import StrictModel
from vigil.detect.classes import CLASS_IDS

NOMINAL_BODY_HEIGHT_M = 1.7
"""Metres per body height, used to convert unset defaults when a camera is calibrated."""

NormCoord = Annotated[float, Field(ge=0.0, le=1.0)]
NormPoint = tuple[NormCoord, NormCoord]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\- ]+$")]

BAG_CLASSES: tuple[str, ...] = ("backpack", "handbag", "suitcase")


# -- geometry ----------------------------------------------------------------------------


def _cross(o: Sequence[float], a: Sequence[float], b: Sequence[float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(p1: Sequence[float], p2: Sequence[float], q1: Sequence[float], q2: Sequence[float]) -> bool:
    """True when the closed segments p1-p2 and q1-q2 share a point (touching counts)."""
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True

    def on(a: Sequence[float], b: Sequence[float], c: Sequence[float], d: float) -> bool:
        return d == 0 and min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    return on(q1, q2, p1, d1) or on(q1, q2, p2, d2) or on(p1, p2, q1, d3) or on(p1, p2, q2, d4)


def polygon_problem(points: Sequence[Sequence[float]]) -> str | None:
    """Why ``points`` is not a simple polygon (repeated vertex, no area, crossing edges), or None."""
    n = len(points)
    for i in range(n):
        if tuple(points[i]) == tuple(points[(i + 1) % n]):
            return f"points {i} and {(i + 1) % n} are the same (remove the repeat)"
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # neighbouring edges share a vertex
            if _segments_cross(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n]):
                return (
                    f"edges {i}-{(i + 1) % n} and {j}-{(j + 1) % n} cross: the polygon is self-intersecting "
                    "(list the points in order around the zone)"
                )
    area2 = sum(_cross((0.0, 0.0), points[i], points[(i + 1) % n]) for i in range(n))
    if abs(area2) < 1e-9:
        return "the points enclose no area (they lie on one line)"
    return None


class ZoneConfig(StrictModel):
    """A named polygon. An object is inside when the bottom centre of its box is."""

    name: Name = Field(description="Zone name, used by rules and in events.")
    points: tuple[NormPoint, ...] = Field(
        min_length=3,
        max_length=100,
        description="Polygon vertices [x, y] in normalised image coordinates (0-1), in order around the zone.",
    )

    @field_validator("points")
    @classmethod
    def _simple(cls, v: tuple[NormPoint, ...]) -> tuple[NormPoint, ...]:
        problem = polygon_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class LineConfig(StrictModel):
    """A directed segment a -> b. Crossing from its left to its right, as seen on screen, is 'in'."""

    name: Name = Field(description="Line name, used by rules and in events.")
    points: tuple[NormPoint, NormPoint] = Field(
        description="The two end points [[xa, ya], [xb, yb]] in normalised image coordinates (0-1). "
        "Walking from the left of a->b to its right (on screen) counts as 'in'; swap them to flip."
    )

    @field_validator("points")
    @classmethod
    def _long_enough(cls, v: tuple[NormPoint, NormPoint]) -> tuple[NormPoint, NormPoint]:
        (xa, ya), (xb, yb) = v
        if ((xa - xb) ** 2 + (ya - yb) ** 2) ** 0.5 < 0.01:
            raise ValueError("the two end points are (almost) the same: a line needs length >= 0.01")
        return v


class CalibrationConfig(StrictModel):
    """Ground-plane calibration: image points and where they lie on the ground, in metres.

    Four or more pairs give a homography (cv2.findHomography), so that positions,
    distances and speeds are in metres and m/s instead of body heights.
    """

    image_points: tuple[NormPoint, ...] = Field(
        min_length=4,
        max_length=64,
        description="Points on the ground in the image, normalised [x, y] (0-1).",
    )
    ground_points: tuple[tuple[float, float], ...] = Field(
        min_length=4,
        max_length=64,
        description="The same points on the ground plane, [x, y] in metres, in the same order.",
    )

    @field_validator("ground_points")
    @classmethod
    def _finite(cls, v: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        for i, (x, y) in enumerate(v):
            if not (abs(x) <= 1e5 and abs(y) <= 1e5):
                raise ValueError(f"ground point {i} {[x, y]} is not a finite distance within 100 km")
        return v

    @model_validator(mode="after")
    def _pairs(self) -> CalibrationConfig:
        if len(self.image_points) != len(self.ground_points):
            raise ValueError(
                f"image_points has {len(self.image_points)} points but ground_points has "
                f"{len(self.ground_points)}: give one ground point per image point"
            )
        for label, pts in (("image_points", self.image_points), ("ground_points", self.ground_points)):
            if not _general_position(pts):
                raise ValueError(
                    f"{label}: the points must not all lie on one line (need 4 spread over the ground plane)"
                )
        return self


def _general_position(pts: Sequence[Sequence[float]]) -> bool:
    """At least three points that are not collinear, with some spread."""
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    if span <= 0:
        return False
    best = 0.0
    n = len(pts)
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                best = max(best, abs(_cross(pts[i], pts[j], pts[k])))
    return best > 1e-4 * span * span


# -- time of day -------------------------------------------------------------------------

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _hhmm(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool):
        raise ValueError(
            f"got the number {v}: write the time of day in quotes, e.g. '22:00' "
            "(YAML reads an unquoted 22:00 as the number 1320)"
        )
    if isinstance(v, str) and not _HHMM.match(v):
        raise ValueError(f"{v!r} is not a time of day: use 'HH:MM' (24 h), e.g. '07:30'")
    return v


class TimeWindow(StrictModel):
    """A daily window of local time, [start, end). It may wrap past midnight ('22:00'-'06:00')."""

    start: str = Field(description="Start, 'HH:MM' 24 h local time (quote it in YAML).")
    end: str = Field(description="End (exclusive), 'HH:MM' 24 h local time; before start wraps past midnight.")
    days: tuple[Weekday, ...] = Field(
        WEEKDAYS,
        min_length=1,
        max_length=7,
        description="Days on which the window starts (mon..sun); default: every day.",
    )

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time_of_day(cls, v: Any) -> Any:
        return _hhmm(v)

    @model_validator(mode="after")
    def _not_empty(self) -> TimeWindow:
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}: the window is empty")
        return self

    @property
    def start_minute(self) -> int:
        h, m = self.start.split(":")
        return int(h) * 60 + int(m)

    @property
    def end_minute(self) -> int:
        h, m = self.end.split(":")
        return int(h) * 60 + int(m)


class ActiveHours(StrictModel):
    """When a rule is armed, by local time of day of the frame's wall-clock time."""

    windows: tuple[TimeWindow, ...] = Field(min_length=1, max_length=32, description="Daily windows of local time.")
    timezone: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="IANA time zone such as 'Europe/Paris'; default: the machine's local time zone.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_tz(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}: use an IANA name such as 'Europe/Paris' or 'UTC'") from e
        return v


# -- rules -------------------------------------------------------------------------------

ClassNames = tuple[str, ...]


def _check_classes(v: ClassNames | None) -> ClassNames | None:
    if v is None:
        return v
    unknown = [c for c in v if c not in CLASS_IDS]
    if unknown:
        raise ValueError(f"unknown class name(s) {unknown}: use COCO names such as 'person', 'car'")
    return v


Seconds = Annotated[float, Field(ge=0.0, le=86400.0)]
PositiveSeconds = Annotated[float, Field(gt=0.0, le=86400.0)]


class _Rule(StrictModel):
    """Fields every rule has."""

    type: str = Field(description="Which rule (the key of the union); each rule type narrows it to its name.")
    name: Name | None = Field(None, description="Rule name, unique per camera; default: the rule type.")
    enabled: bool = Field(True, description="False keeps the rule in the file but does not run it.")
    update_interval: PositiveSeconds = Field(
        10.0, description="Seconds between periodic 'update' records of an ongoing event."
    )

    @property
    def rule_name(self) -> str:
        return self.name or str(self.type)

    @field_validator("classes", check_fields=False)
    @classmethod
    def _known_classes(cls, v: ClassNames | None) -> ClassNames | None:
        return _check_classes(v)


class _MotionRule(_Rule):
    zone: Name | None = Field(None, description="Only objects in this zone count; default: the whole frame.")
    classes: ClassNames = Field(("person",), min_length=1, description="COCO classes considered.")
    window: Annotated[float, Field(gt=0.0, le=10.0)] = Field(
        0.6, description="Seconds of track history over which velocity is fitted (smooths detection jitter)."
    )
    min_duration: Seconds = Field(0.5, description="Seconds the condition must hold before the event starts.")
    end_after: Seconds = Field(1.5, description="Seconds the condition must be false before the event ends.")


class RunningRule(_MotionRule):
    """A person moving faster than ``min_speed`` for ``min_duration`` seconds."""

    type: Literal["running"]
    min_speed: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None, description="Speed threshold in bh/s (m/s when calibrated); default 1.4 bh/s."
    )
    merge_radius: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None,
        description="A new runner this close (bh or m) to where an ongoing or recent running event's runner "
        "is predicted to be continues that event (id switch); default 2 bh.",
    )
    cooldown: Seconds = Field(
        3.0, description="Seconds after a running event ends during which a runner at its place starts none."
    )


class CrowdRunningRule(_MotionRule):
    """A large share of the people in the scene (or a zone) speed up together."""

    type: Literal["crowd_running"]
    min_people: int = Field(3, ge=2, le=1000, description="At least this many people must speed up.")
    min_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.5, description="Share of the people present (with a measured speed) who must speed up."
    )
    min_speed: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None, description="A person counts as speeding up above this speed, bh/s (m/s calibrated); default 1.1 bh/s."
    )
    accel_ratio: Annotated[float, Field(ge=1.0, le=20.0)] = Field(
        1.5, description="...and at this multiple of their own recent normal speed (when known)."
    )
    baseline_time: PositiveSeconds = Field(
        5.0, description="Time constant (s) of each person's normal-speed average, and of the crowd's normal activity."
    )
    motion: bool = Field(
        False,
        description="Also use the crowd's dense motion (optical flow) when the engine is given frames; "
        "only without a zone. Catches runners the detector loses to motion blur; costs about 40 ms of CPU "
        "per second of video (about 1.5 ms/frame at 25 fps), so it is opt-in.",
    )
    motion_speed: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None,
        description="Flow speed above which the moving area counts as running, bh/s (m/s calibrated); default "
        "0.8 bh/s (flow blurs small figures with their background, so it reads lower than a track's speed).",
    )
    motion_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.15, description="Share of the moving area that must run (flow evidence)."
    )
    motion_surge: Annotated[float, Field(ge=1.0, le=100.0)] = Field(
        2.0,
        description="...while the crowd's activity (moving area times its speed) is at least this multiple of "
        "its normal level over the last baseline_time seconds (flow evidence).",
    )


class DispersalRule(_MotionRule):
    """People move outward from their common centre (mean radial velocity, i.e. divergence)."""

    type: Literal["dispersal"]
    min_people: int = Field(4, ge=3, le=1000, description="At least this many people with a measured speed.")
    min_radial_speed: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None, description="Mean outward speed from the centroid, bh/s (m/s calibrated); default 0.6 bh/s."
    )
    min_share: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        0.6, description="Share of the people (or of the moving area, for flow evidence) who must be moving outward."
    )
    motion: bool = Field(
        False,
        description="Also use the crowd's dense motion (optical flow) when the engine is given frames; "
        "only without a zone. Catches runners the detector loses to motion blur; costs about 40 ms of CPU "
        "per second of video (about 1.5 ms/frame at 25 fps), so it is opt-in.",
    )


class GatheringRule(_Rule):
    """At least ``min_people`` within ``radius`` of each other for ``min_duration`` seconds."""

    type: Literal["gathering"]
    zone: Name | None = Field(None, description="Only people in this zone count; default: the whole frame.")
    classes: ClassNames = Field(("person",), min_length=1, description="COCO classes considered.")
    min_people: int = Field(4, ge=2, le=1000, description="People needed to form a gathering.")
    radius: Annotated[float, Field(gt=0.0, le=1000.0)] | None = Field(
        None, description="Neighbour distance (bh, or m calibrated) linking people into a group; default 1.5 bh."
    )
    min_duration: Seconds = Field(10.0, description="Seconds the group must persist before the event starts.")
    end_after: Seconds = Field(3.0, description="Seconds without the group before the event ends.")


class OvercrowdingRule(_Rule):
    """The count in a zone (or the frame) stays above ``max_count`` for ``min_duration`` seconds."""

    type: Literal["overcrowding"]
    zone: Name | None = Field(None, description="Zone counted; default: the whole frame.")
    classes: ClassNames = Field(("person",), min_length=1, description="COCO classes counted.")
    max_count: int = Field(ge=0, le=100000, description="The event runs while the count is above this.")
    min_duration: Seconds = Field(5.0, description="Seconds the count must stay above the limit.")
    end_after: Seconds = Field(3.0, description="Seconds at or below the limit before the event ends.")


class LoiteringRule(_Rule):
    """Dwell in a zone for longer than ``min_dwell``, tolerant of short occlusions and id switches."""

    type: Literal["loitering"]
    zone: Name = Field(description="The zone watched.")
    classes: ClassNames = Field(("person",), min_length=1, description="COCO classes considered.")
    min_dwell: PositiveSeconds = Field(60.0, description="Seconds in the zone before the event starts.")
    grace: Seconds = Field(
        3.0,
        description="A track gone (or outside) for less than this keeps its dwell; a new id appearing "
        "where it was within this time takes it over.",
    )
    handover_radius: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None, description="How close (bh, or m calibrated) a new id must appear to take over a dwell; default 1 bh."
    )


class _ZoneWatchRule(_Rule):
    zone: Name = Field(description="The zone watched.")
    classes: ClassNames = Field(("person",), min_length=1, description="COCO classes considered.")
    active_hours: ActiveHours | None = Field(
        None, description="Local times when the rule is armed (by the frame's wall-clock time); default: always."
    )
    min_duration: Seconds = Field(
        0.3, description="Seconds an object must stay on the new side of the zone edge (debounce)."
    )


class IntrusionRule(_ZoneWatchRule):
    """Objects of the given classes inside a zone, during active hours."""

    type: Literal["intrusion"]
    end_after: Seconds = Field(2.0, description="Seconds without intruders before the event ends.")


class ZoneEnterRule(_ZoneWatchRule):
    """An instant event when a track seen outside a zone enters it."""

    type: Literal["zone_enter"]


class ZoneExitRule(_ZoneWatchRule):
    """An instant event when a track seen inside a zone leaves it."""

    type: Literal["zone_exit"]


class LineCrossingRule(_Rule):
    """Directional in/out counts per class for a line; one instant event per crossing."""

    type: Literal["line_crossing"]
    line: Name = Field(description="The line watched.")
    classes: ClassNames | None = Field(None, min_length=1, description="COCO classes counted; default: all.")
    hysteresis: Annotated[float, Field(ge=0.0, le=100.0)] | None = Field(
        None,
        description="Distance (bh, or m calibrated) past the line needed on each side; jitter inside "
        "this band never counts. Default 0.2 bh.",
    )


class UnattendedObjectRule(_Rule):
    """A bag that stays still with no person near it for ``min_duration`` seconds."""

    type: Literal["unattended_object"]
    zone: Name | None = Field(None, description="Only objects in this zone; default: the whole frame.")
    classes: ClassNames = Field(BAG_CLASSES, min_length=1, description="Object classes watched.")
    min_duration: PositiveSeconds = Field(30.0, description="Seconds still and alone before the event starts.")
    still_tolerance: Annotated[float, Field(gt=0.0, le=100.0)] | None = Field(
        None, description="Movement (bh, or m calibrated) still counted as staying put; default 0.3 bh."
    )
    person_radius: Annotated[float, Field(gt=0.0, le=1000.0)] | None = Field(
        None, description="A person within this distance (bh, or m calibrated) attends the object; default 1.5 bh."
    )
    grace: Seconds = Field(3.0, description="Seconds the object may go undetected and keep its state.")


RuleConfig = Annotated[
    RunningRule | CrowdRunningRule | DispersalRule | GatheringRule | OvercrowdingRule | LoiteringRule
    | IntrusionRule | ZoneEnterRule | ZoneExitRule | LineCrossingRule | UnattendedObjectRule,
    Field(discriminator="type"),
]  # fmt: skip

RULE_TYPES: tuple[str, ...] = (
    "running", "crowd_running", "dispersal", "gathering", "overcrowding", "loitering",
    "intrusion", "zone_enter", "zone_exit", "line_crossing", "unattended_object",
)  # fmt: skip


def default_rules() -> tuple[RuleConfig, ...]:
    """Rules that need no zones: running, crowd running, dispersal, gathering."""
    return (
        RunningRule(type="running"),
        CrowdRunningRule(type="crowd_running"),
        DispersalRule(type="dispersal"),
        GatheringRule(type="gathering"),
    )


# -- cross-checks and error messages for AnalysisConfig -----------------------------------------


def _raw_rule(data: Any, index: int) -> dict[str, Any]:
    rules = data.get("rules") if isinstance(data, dict) else None
    if isinstance(rules, (list, tuple)) and 0 <= index < len(rules) and isinstance(rules[index], dict):
        return rules[index]
    return {}


def _label(data: Any, loc: tuple[int | str, ...]) -> tuple[str, tuple[int | str, ...]]:
    """A 'rule 'x' (type): ' style prefix for an error location, and the location without union tags."""
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        raw = _raw_rule(data, loc[1])
        rtype = raw.get("type")
        name = raw.get("name") or rtype or f"#{loc[1] + 1}"
        rest = loc[2:]
        if rest and rest[0] == rtype:
            rest = rest[1:]  # the discriminated union puts the tag in the path
        if not rest and rtype not in RULE_TYPES:
            rest = ("type",)
        kind = f" ({rtype})" if isinstance(rtype, str) else ""
        return f"rule '{name}'{kind}: ", ("rules", loc[1], *rest)
    if len(loc) >= 2 and loc[0] in ("zones", "lines") and isinstance(loc[1], int):
        items = data.get(loc[0]) if isinstance(data, dict) else None
        what = loc[0][:-1]
        name = None
        if isinstance(items, (list, tuple)) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            name = items[loc[1]].get("name")
        return f"{what} '{name or '#' + str(loc[1] + 1)}': ", loc
    if loc and loc[0] == "calibration":
        return "calibration: ", loc
    return "", loc


_ANALYTICS_KEYS = ("zones", "lines", "calibration", "rules")


def _message(etype: str, msg: str, loc: tuple[int | str, ...], value: Any) -> str:
    if etype == "extra_forbidden":
        return "unknown key"
    if etype == "union_tag_invalid":
        tag = value.get("type") if isinstance(value, dict) else value
        return f"unknown rule type {tag!r} (known types: {', '.join(RULE_TYPES)})"
    if (
        etype in ("less_than_equal", "greater_than_equal")
        and len(loc) >= 2
        and isinstance(loc[-1], int)
        and isinstance(loc[-2], int)
        and any(p in ("points", "image_points") for p in loc)
    ):
        axis = "xy"[loc[-1]] if loc[-1] in (0, 1) else str(loc[-1])
        return (
            f"point {loc[-2]} has {axis}={value}, outside [0, 1] (points are normalised image coordinates: "
            "x = column / width, y = row / height)"
        )
    return msg.removeprefix("Value error, ")


def annotate_analytics_errors(data: Any, err: ValidationError) -> ValidationError:
    """Prefix errors under zones/lines/calibration/rules with the camera and the rule or zone name."""
    camera = data.get("camera", "video") if isinstance(data, dict) else "video"
    errors = err.errors()
    all_locs = [tuple(e["loc"]) for e in errors]
    details: list[InitErrorDetails] = []
    for e in errors:
        loc = tuple(e["loc"])
        if e["type"] == "too_short" and any(len(o) > len(loc) and o[: len(loc)] == loc for o in all_locs):
            continue  # pydantic also reports a tuple as too short when one of its items failed
        if not loc or loc[0] not in _ANALYTICS_KEYS:
            details.append(InitErrorDetails(type=e["type"], loc=loc, input=e["input"], ctx=e.get("ctx", {})))
            continue
        prefix, loc = _label(data, loc)
        msg = _message(e["type"], e["msg"], loc, e["input"])
        start = 1 if loc[0] == "calibration" else 2
        field = next((str(p) for p in reversed(loc[start:]) if isinstance(p, str)), "")
        where = f"{field}: " if field and e["type"] != "extra_forbidden" else ""
        details.append(
            InitErrorDetails(
                type=PydanticCustomError(
                    "analytics", "{message}", {"message": f"camera '{camera}': {prefix}{where}{msg}"}
                ),
                loc=loc,
                input=e["input"],
            )
        )
    return ValidationError.from_exception_data(err.title, details)


def check_references(
    camera: str,
    zones: Sequence[ZoneConfig],
    lines: Sequence[LineConfig],
    rules: Sequence[RuleConfig],
) -> ValidationError | None:
    """Unique names, and every zone or line a rule names exists; None when all is well."""
    problems: list[tuple[tuple[int | str, ...], str, Any]] = []
    zone_names = [z.name for z in zones]
    line_names = [ln.name for ln in lines]
    for key, names in (("zones", zone_names), ("lines", line_names)):
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                msg = f"camera '{camera}': {key[:-1]} name '{name}' is used twice"
                problems.append(((key, i, "name"), msg, name))
            seen.add(name)
    rule_names: set[str] = set()
    for i, rule in enumerate(rules):
        label = f"camera '{camera}': rule '{rule.rule_name}' ({rule.type}): "
        if rule.rule_name in rule_names:
            problems.append(
                (
                    ("rules", i, "name"),
                    label + "this rule name is used twice (give each rule a unique name)",
                    rule.rule_name,
                )
            )
        rule_names.add(rule.rule_name)
        zone = getattr(rule, "zone", None)
        if zone is not None and zone not in zone_names:
            known = ", ".join(zone_names) if zone_names else "none (add them under 'zones')"
            problems.append(
                (("rules", i, "zone"), label + f"zone '{zone}' is not defined (defined zones: {known})", zone)
            )
        line = getattr(rule, "line", None)
        if line is not None and line not in line_names:
            known = ", ".join(line_names) if line_names else "none (add them under 'lines')"
            problems.append(
                (("rules", i, "line"), label + f"line '{line}' is not defined (defined lines: {known})", line)
            )
    if not problems:
        return None
    return ValidationError.from_exception_data(
        "AnalysisConfig",
        [
            InitErrorDetails(type=PydanticCustomError("analytics", "{message}", {"message": m}), loc=loc, input=inp)
            for loc, m, inp in problems
        ],
    )
