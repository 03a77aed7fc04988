"""Zones, lines and masks drawn onto frames (the annotated video and the report's heatmap).

:class:`SceneOverlay` converts the normalised geometry to pixels once per frame size:
each zone keeps its bounding rectangle and the pixel mask inside it, so a frame
blends only those pixels; each mask keeps the pixel positions of its hatching.
:class:`SceneActivity` follows the event stream: which zones have an ongoing event
(red outline), which saw an instant one (brief white outline), and the running
in/out counts of each line. Its state is per rule and per line: it does not grow
with the length of the video.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vigil.output.scene import SceneGeometry, hex_to_bgr, line_colour, zone_colour
from vigil.types import Event, Image

FONT = cv2.FONT_HERSHEY_SIMPLEX
ALERT_BGR = (40, 40, 230)
FLASH_BGR = (255, 255, 255)
MASK_BGR = (200, 200, 200)
SHADOW_BGR = (20, 20, 20)
ZONE_ALPHA = 0.25
HATCH_SPACING = 12
LINE_CROSSING = "line_crossing"
_QUIET_KINDS = frozenset({"track_start", "track_end"})

BGR = tuple[int, int, int]


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def _to_px(points: Sequence[Sequence[float]], size: tuple[int, int]) -> npt.NDArray[np.int32]:
    """Normalised points -> (N, 1, 2) pixel coordinates in 1/16 pixel (for ``shift=4``)."""
    p = np.asarray(points, np.float64) * (np.array(size, np.float64) * 16.0)
    return np.round(p).astype(np.int32).reshape(-1, 1, 2)


@dataclass(frozen=True, slots=True)
class _ZonePx:
    name: str
    colour: BGR
    poly: npt.NDArray[np.int32]  # (N, 1, 2), 1/16 pixel
    y0: int
    y1: int
    x0: int
    x1: int
    where: npt.NDArray[np.bool_]  # (y1 - y0, x1 - x0) pixels inside the zone
    where_u8: npt.NDArray[np.uint8]  # the same as 0/1, for cv2.copyTo
    tint: npt.NDArray[np.uint8]  # (y1 - y0, x1 - x0, 3) the zone's colour
    anchor: tuple[int, int]


@dataclass(frozen=True, slots=True)
class _LinePx:
    name: str
    colour: BGR
    a: tuple[int, int]
    b: tuple[int, int]
    tail: tuple[int, int]  # the "in" arrow, from the left of a->b to its right
    tip: tuple[int, int]
    counted: bool


@dataclass(frozen=True, slots=True)
class _MaskPx:
    name: str
    poly: npt.NDArray[np.int32]
    hatch_y: npt.NDArray[np.intp]
    hatch_x: npt.NDArray[np.intp]


class SceneOverlay:
    """Draws a :class:`SceneGeometry` onto ``size`` = (w, h) BGR images.

    Zones: filled with their colour at ``fill_alpha`` (0: outline only), outlined, and
    labelled with their name and, when given, the count of people inside. Lines: the
    segment, an arrow pointing to the side walked *into* for an "in" crossing, and a
    label with the name and, for counted lines, the in/out counts. Masks: a grey
    outline and diagonal hatching that leaves the picture visible.
    """

    def __init__(self, scene: SceneGeometry, size: tuple[int, int], *, scale: float = 1.0,
                 fill_alpha: float = ZONE_ALPHA) -> None:  # fmt: skip
        if not 0.0 <= fill_alpha <= 1.0:
            raise ValueError(f"fill_alpha must be in [0, 1], got {fill_alpha}")
        self.scene, self.size, self.scale, self.fill_alpha = scene, size, scale, fill_alpha
        self.thickness = max(1, round(2 * scale))
        w, h = size
        self.zones = [self._zone(i, s.name, s.points) for i, s in enumerate(scene.zones)]
        self.lines = [self._line(i, s.name, s.points, s.name in scene.counted_lines) for i, s in enumerate(scene.lines)]
        self.masks = [self._mask(s.name, s.points) for s in scene.masks]
        self._hi = np.array([w - 1, h - 1], np.int64)

    # -- precomputation -------------------------------------------------------------------

    def _zone(self, index: int, name: str, points: Sequence[Sequence[float]]) -> _ZonePx:
        w, h = self.size
        poly = _to_px(points, self.size)
        px = poly.reshape(-1, 2) / 16.0
        x0, y0 = (int(np.clip(np.floor(px[:, k].min()), 0, lim)) for k, lim in ((0, w), (1, h)))
        x1, y1 = (int(np.clip(np.ceil(px[:, k].max()) + 1, 0, lim)) for k, lim in ((0, w), (1, h)))
        canvas = np.zeros((max(y1 - y0, 0), max(x1 - x0, 0)), np.uint8)
        if canvas.size:
            local = poly - np.array([x0 * 16, y0 * 16], np.int32)
            cv2.fillPoly(canvas, [local], 1, lineType=cv2.LINE_8, shift=4)
        top = int(np.argmin(px[:, 1] * (w + 1) + px[:, 0]))  # topmost, then leftmost vertex
        anchor = (int(px[top, 0]), int(px[top, 1]))
        colour = hex_to_bgr(zone_colour(index))
        tint = np.empty((*canvas.shape, 3), np.uint8)
        tint[...] = colour
        return _ZonePx(name, colour, poly, y0, y1, x0, x1, canvas.view(bool), canvas, tint, anchor)

    def _line(self, index: int, name: str, points: Sequence[Sequence[float]], counted: bool) -> _LinePx:
        (ax, ay), (bx, by) = (np.asarray(p, np.float64) * np.array(self.size, np.float64) for p in points)
        dx, dy = bx - ax, by - ay
        length = max(float(np.hypot(dx, dy)), 1e-9)
        nx, ny = -dy / length, dx / length  # the right of a->b on screen: where an "in" crossing ends
        mx, my = (ax + bx) / 2, (ay + by) / 2
        k = max(10.0, 22.0 * self.scale)
        tail = (round(mx - nx * k), round(my - ny * k))
        tip = (round(mx + nx * k), round(my + ny * k))
        return _LinePx(name, hex_to_bgr(line_colour(index)), (round(ax), round(ay)), (round(bx), round(by)),
                       tail, tip, counted)  # fmt: skip

    def _mask(self, name: str, points: Sequence[Sequence[float]]) -> _MaskPx:
        w, h = self.size
        poly = _to_px(points, self.size)
        canvas = np.zeros((h, w), np.uint8)
        cv2.fillPoly(canvas, [poly], 1, lineType=cv2.LINE_8, shift=4)
        ys, xs = np.nonzero(canvas)
        on = (xs + ys) % HATCH_SPACING == 0
        return _MaskPx(name, poly, ys[on], xs[on])

    # -- per frame ------------------------------------------------------------------------

    def zone_counts(self, points_px: npt.NDArray[np.floating]) -> list[int]:
        """How many of the (N, 2) pixel points (feet) lie inside each zone, in zone order."""
        pts = np.asarray(points_px, np.float64).reshape(-1, 2)
        if not self.zones:
            return []
        if len(pts) == 0:
            return [0] * len(self.zones)
        cells = np.minimum(np.maximum(pts.astype(np.int64), 0), self._hi)
        out = []
        for z in self.zones:
            x, y = cells[:, 0] - z.x0, cells[:, 1] - z.y0
            ok = (x >= 0) & (y >= 0) & (x < z.x1 - z.x0) & (y < z.y1 - z.y0)
            out.append(int(np.count_nonzero(z.where[y[ok], x[ok]])))
        return out

    def draw(
        self,
        img: Image,
        *,
        counts: Sequence[int] | None = None,
        alert_zones: Collection[str] = (),
        flash_zones: Collection[str] = (),
        line_counts: Mapping[str, tuple[int, int]] | None = None,
        flash_lines: Collection[str] = (),
        labels: bool = True,
    ) -> None:
        """Draw onto ``img`` in place (its size must be ``self.size``).

        counts: people per zone (zone order); alert_zones: zones with an ongoing event
        (red outline); flash_zones: zones with a recent instant event (white outline);
        line_counts: line name -> (in, out); flash_lines: lines just crossed.
        labels: False leaves the labels to :meth:`draw_labels` (to put them above tracks).
        """
        if (img.shape[1], img.shape[0]) != self.size:
            raise ValueError(f"overlay is for {self.size[0]}x{self.size[1]} images, got {img.shape[1]}x{img.shape[0]}")
        for m in self.masks:
            img[m.hatch_y, m.hatch_x] = MASK_BGR
            cv2.polylines(img, [m.poly], True, MASK_BGR, 1, cv2.LINE_AA, shift=4)
        for z in self.zones:
            self._draw_zone(img, z, z.name in alert_zones, z.name in flash_zones)
        for ln in self.lines:
            self._draw_line(img, ln, ln.name in flash_lines)
        if labels:
            self.draw_labels(img, counts=counts, alert_zones=alert_zones, line_counts=line_counts)

    def draw_labels(
        self,
        img: Image,
        *,
        counts: Sequence[int] | None = None,
        alert_zones: Collection[str] = (),
        line_counts: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """Zone labels (name and people count) and line labels (name, and in/out counts of counted lines)."""
        for i, z in enumerate(self.zones):
            text = z.name if counts is None else f"{z.name}: {counts[i]}"
            _tag(img, _ascii(text), z.anchor, ALERT_BGR if z.name in alert_zones else z.colour, self.scale, above=True)
        for ln in self.lines:
            c = line_counts.get(ln.name, (0, 0)) if ln.counted and line_counts is not None else None
            text = ln.name if c is None else f"{ln.name}  in {c[0]}  out {c[1]}"
            _tag(img, _ascii(text), ln.a, ln.colour, self.scale)

    def _draw_zone(self, img: Image, z: _ZonePx, alert: bool, flash: bool) -> None:
        if self.fill_alpha > 0 and z.where.size:
            roi = img[z.y0 : z.y1, z.x0 : z.x1]
            blended = cv2.addWeighted(roi, 1.0 - self.fill_alpha, z.tint, self.fill_alpha, 0.0)
            cv2.copyTo(blended, z.where_u8, roi)  # in place: roi is a view of img
        outline = ALERT_BGR if alert else FLASH_BGR if flash else z.colour
        t = self.thickness + (2 if alert or flash else 0)
        cv2.polylines(img, [z.poly], True, outline, t, cv2.LINE_AA, shift=4)

    def _draw_line(self, img: Image, ln: _LinePx, flash: bool) -> None:
        t = self.thickness
        halo = FLASH_BGR if flash else SHADOW_BGR  # a dark edge keeps the line visible on light ground
        cv2.line(img, ln.a, ln.b, halo, t + (4 if flash else 2), cv2.LINE_AA)
        cv2.arrowedLine(img, ln.tail, ln.tip, SHADOW_BGR, t + 2, cv2.LINE_AA, tipLength=0.4)
        cv2.line(img, ln.a, ln.b, ln.colour, t, cv2.LINE_AA)
        cv2.arrowedLine(img, ln.tail, ln.tip, ln.colour, t, cv2.LINE_AA, tipLength=0.4)


def _tag(img: Image, text: str, at: tuple[int, int], colour: BGR, scale: float, above: bool = False) -> None:
    """A filled label whose top-left (``above``: bottom-left) corner is at ``at``, kept inside the image."""
    fs = 0.5 * scale
    (tw, th), base = cv2.getTextSize(text, FONT, fs, 1)
    h, w = img.shape[:2]
    x = min(max(at[0], 0), max(0, w - tw - 4))
    y = at[1] - (th + base + 2 if above else 0)
    y = min(max(y, 0), max(0, h - th - base - 3))
    cv2.rectangle(img, (x, y), (x + tw + 4, y + th + base + 2), colour, -1)
    b, g, r = colour
    ink = (0, 0, 0) if 0.114 * b + 0.587 * g + 0.299 * r > 140 else (255, 255, 255)
    cv2.putText(img, text, (x + 2, y + th + 1), FONT, fs, ink, 1, cv2.LINE_AA)


class SceneActivity:
    """What the events say about each zone and line, for drawing.

    ``update(pts, events)`` with each frame's events. Ongoing events (start..end,
    matched by kind, rule and onset) whose attributes name a zone put it in
    :meth:`alert_zones`; instant ones (zone
    enter/exit) flash it for ``flash_seconds``. line_crossing events count per line
    and direction (one crossing counted once even when several rules report it) and
    flash the line.
    """

    def __init__(self, flash_seconds: float = 1.5) -> None:
        self.flash_seconds = flash_seconds
        self._ongoing: dict[tuple[str, str, float], str] = {}  # (kind, rule, onset) -> zone
        self._zone_flash: dict[str, float] = {}
        self._line_flash: dict[str, float] = {}
        self.line_counts: dict[str, tuple[int, int]] = {}

    def update(self, pts: float, events: Sequence[Event]) -> None:
        seen: set[tuple[str, tuple[int, ...], str, float]] = set()
        for ev in events:
            if ev.kind in _QUIET_KINDS:
                continue
            zone = ev.attributes.get("zone")
            if ev.kind == LINE_CROSSING:
                line, direction = ev.attributes.get("line"), ev.attributes.get("direction")
                if isinstance(line, str) and direction in ("in", "out"):
                    key = (line, ev.track_ids, str(direction), ev.t)
                    if key not in seen:
                        seen.add(key)
                        i, o = self.line_counts.get(line, (0, 0))
                        self.line_counts[line] = (i + 1, o) if direction == "in" else (i, o + 1)
                    self._line_flash[line] = pts + self.flash_seconds
                continue
            if not isinstance(zone, str):
                continue
            key2 = (ev.kind, str(ev.attributes.get("rule", ev.kind)), ev.started if ev.started is not None else ev.t)
            if ev.phase in ("start", "update"):
                self._ongoing[key2] = zone
            elif ev.phase == "end":
                if self._ongoing.pop(key2, None) is None:
                    same_rule = next((k for k in self._ongoing if k[:2] == key2[:2]), None)  # onset moved
                    if same_rule is not None:
                        del self._ongoing[same_rule]
            else:
                self._zone_flash[zone] = pts + self.flash_seconds
        for d in (self._zone_flash, self._line_flash):
            for name in [k for k, until in d.items() if until < pts]:
                del d[name]

    def alert_zones(self) -> frozenset[str]:
        return frozenset(self._ongoing.values())

    def flash_zones(self) -> frozenset[str]:
        return frozenset(self._zone_flash)

    def flash_lines(self) -> frozenset[str]:
        return frozenset(self._line_flash)
