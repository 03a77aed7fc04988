"""Drawing tracks, trails, a header, event banners and the scene's zones and lines onto frames (OpenCV).

The :class:`Annotator` keeps only short-lived state: trails of tracks seen in the
last ``trail_seconds``, banners of recent events, and per-zone and per-line activity.
"""

from __future__ import annotations

import colorsys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vigil.detect.classes import PERSON, class_name
from vigil.output._timefmt import clock
from vigil.output.lifecycle import TRACK_END, TRACK_START
from vigil.output.overlay import ALERT_BGR, SceneActivity, SceneOverlay
from vigil.output.scene import SceneGeometry
from vigil.types import Event, Frame, Image, Tracks

__all__ = ["ALERT_BGR", "Annotator", "ascii_text", "id_colour"]

FONT = cv2.FONT_HERSHEY_SIMPLEX
MAX_BANNERS = 3
MAX_TRAIL_POINTS = 120


def id_colour(track_id: int) -> tuple[int, int, int]:
    """A stable, well-separated BGR colour for a track id (golden-ratio hue steps)."""
    hue = (track_id * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.8, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)


def ascii_text(text: str) -> str:
    """OpenCV's Hershey fonts draw ASCII only."""
    return text.encode("ascii", "replace").decode("ascii")


@dataclass(slots=True)
class _Banner:
    text: str
    until: float
    track_ids: tuple[int, ...]


class Annotator:
    """Draws one frame's tracks and events on a copy of the frame's image.

    Boxes are coloured per id with an ``#id class`` label; each track trails its box
    bottom-centres over the last ``trail_seconds``; the header shows camera, stream
    time and the people count; events other than track start/end show a red banner
    for ``banner_seconds`` and outline the boxes of the tracks they name.

    With a ``scene``, its zones (tinted, with the people count inside; outlined red
    while an event is ongoing in them), lines (with the "in" arrow and running in/out
    counts) and detection masks (hatched) are drawn under the tracks.
    """

    def __init__(
        self,
        *,
        camera: str = "",
        trail_seconds: float = 2.0,
        banner_seconds: float = 3.0,
        scene: SceneGeometry | None = None,
    ) -> None:
        self.camera = ascii_text(camera)
        self.trail_seconds = trail_seconds
        self.banner_seconds = banner_seconds
        self.scene = scene if scene else None
        self.activity = SceneActivity()
        self._overlay: SceneOverlay | None = None
        self._trails: dict[int, deque[tuple[float, int, int]]] = {}
        self._banners: dict[str, _Banner] = {}

    @property
    def trail_count(self) -> int:
        return len(self._trails)

    def draw(self, frame: Frame, tracks: Tracks, events: Sequence[Event] = ()) -> Image:
        """Return an annotated copy of ``frame.image`` (the frame is not modified)."""
        img = frame.image.copy()
        scale = float(np.clip(frame.height / 720.0, 0.35, 1.5))
        self._update_banners(frame.pts, events)
        self._update_trails(frame.pts, tracks)
        alert_ids = {tid for b in self._banners.values() for tid in b.track_ids}
        thickness = max(1, round(2 * scale))
        zone_counts = self._draw_scene(img, frame, tracks, events, scale) if self.scene is not None else None
        for tid in tracks.track_ids.tolist():  # trails of tracks in view only
            trail = self._trails[tid]
            if len(trail) > 1:
                line = np.array([(x, y) for _, x, y in trail], np.int32).reshape(-1, 1, 2)
                cv2.polylines(img, [line], False, id_colour(tid), thickness, cv2.LINE_AA)
        boxes = np.round(tracks.xyxy).astype(np.int32).tolist()
        for (x1, y1, x2, y2), tid, cid in zip(boxes, tracks.track_ids.tolist(), tracks.class_ids.tolist(), strict=True):
            colour = id_colour(tid)
            if tid in alert_ids:
                cv2.rectangle(img, (x1 - 2, y1 - 2), (x2 + 2, y2 + 2), ALERT_BGR, thickness + 2)
            cv2.rectangle(img, (x1, y1), (x2, y2), colour, thickness)
            _label(img, f"#{tid} {class_name(cid)}", (x1, y1), colour, scale, _band(scale))
        if self._overlay is not None and zone_counts is not None:  # labels above the boxes, to stay readable
            self._overlay.draw_labels(
                img, counts=zone_counts, alert_zones=self.activity.alert_zones(), line_counts=self.activity.line_counts
            )
        people = int(np.count_nonzero(tracks.class_ids == PERSON))
        self._draw_header(img, frame.pts, people, scale)
        self._draw_banners(img, scale)
        return img

    def _draw_scene(
        self, img: Image, frame: Frame, tracks: Tracks, events: Sequence[Event], scale: float
    ) -> list[int]:
        """Zones, lines and masks under the tracks; returns the people count per zone (for the labels)."""
        assert self.scene is not None
        size = (frame.width, frame.height)
        if self._overlay is None or self._overlay.size != size:
            self._overlay = SceneOverlay(self.scene, size, scale=scale)
        self.activity.update(frame.pts, events)
        people = tracks.xyxy[tracks.class_ids == PERSON]
        feet = np.stack(((people[:, 0] + people[:, 2]) * 0.5, people[:, 3]), axis=1)
        act = self.activity
        self._overlay.draw(
            img, alert_zones=act.alert_zones(), flash_zones=act.flash_zones(), flash_lines=act.flash_lines(),
            labels=False,
        )  # fmt: skip
        return self._overlay.zone_counts(feet)

    def _update_trails(self, pts: float, tracks: Tracks) -> None:
        xyxy = tracks.xyxy
        bx = np.round((xyxy[:, 0] + xyxy[:, 2]) / 2).astype(np.int32).tolist()
        by = np.round(xyxy[:, 3]).astype(np.int32).tolist()
        for tid, x, y in zip(tracks.track_ids.tolist(), bx, by, strict=True):
            trail = self._trails.get(tid)
            if trail is None:
                trail = self._trails[tid] = deque(maxlen=MAX_TRAIL_POINTS)
            trail.append((pts, x, y))
        oldest = pts - self.trail_seconds
        for tid in list(self._trails):
            trail = self._trails[tid]
            while trail and trail[0][0] < oldest:
                trail.popleft()
            if not trail:
                del self._trails[tid]

    def _update_banners(self, pts: float, events: Sequence[Event]) -> None:
        for ev in events:
            if ev.kind in (TRACK_START, TRACK_END):
                continue
            text = ev.kind.replace("_", " ").upper()
            if ev.phase == "end":
                text += " ended"
            if ev.track_ids:
                shown = ", ".join(f"#{t}" for t in ev.track_ids[:6])
                text += f"  {shown}{' ...' if len(ev.track_ids) > 6 else ''}"
            self._banners.pop(ev.kind, None)
            ids = () if ev.phase == "end" else ev.track_ids
            self._banners[ev.kind] = _Banner(ascii_text(text), pts + self.banner_seconds, ids)
        for kind in [k for k, b in self._banners.items() if b.until < pts]:
            del self._banners[kind]
        while len(self._banners) > MAX_BANNERS:
            del self._banners[next(iter(self._banners))]

    def _draw_header(self, img: Image, pts: float, people: int, scale: float) -> None:
        band = _band(scale)
        h, w = img.shape[:2]
        roi = img[0 : min(band, h), :]
        roi //= 3
        left = f"{self.camera}  {clock(pts)}" if self.camera else clock(pts)
        fs = 0.6 * scale
        base = round(band * 0.7)
        cv2.putText(img, left, (round(8 * scale), base), FONT, fs, (255, 255, 255), 1, cv2.LINE_AA)
        right = f"people: {people}"
        (tw, _), _ = cv2.getTextSize(right, FONT, fs, 1)
        cv2.putText(img, right, (w - tw - round(8 * scale), base), FONT, fs, (255, 255, 255), 1, cv2.LINE_AA)

    def _draw_banners(self, img: Image, scale: float) -> None:
        y = _band(scale)
        fs = 0.6 * scale
        for banner in self._banners.values():
            (tw, th), _ = cv2.getTextSize(banner.text, FONT, fs, 2)
            pad = round(6 * scale)
            cv2.rectangle(img, (0, y), (tw + 2 * pad, y + th + 2 * pad), ALERT_BGR, -1)
            cv2.putText(img, banner.text, (pad, y + th + pad), FONT, fs, (255, 255, 255), 2, cv2.LINE_AA)
            y += th + 2 * pad + 2


def _band(scale: float) -> int:
    """Height of the header band in pixels."""
    return max(12, round(30 * scale))


def _label(
    img: Image, text: str, corner: tuple[int, int], colour: tuple[int, int, int], scale: float, min_top: int
) -> None:
    """A filled label above the box's top-left corner; inside the box, below ``min_top``
    (the header), when there is no room above."""
    fs = 0.5 * scale
    (tw, th), base = cv2.getTextSize(text, FONT, fs, 1)
    x = min(max(corner[0], 0), img.shape[1] - tw - 4)
    y = corner[1]
    top = y - th - base - 2
    if top < min_top:
        top = max(y, min_top)
    cv2.rectangle(img, (x, top), (x + tw + 4, top + th + base + 2), colour, -1)
    b, g, r = colour
    ink = (0, 0, 0) if 0.114 * b + 0.587 * g + 0.299 * r > 140 else (255, 255, 255)
    cv2.putText(img, text, (x + 2, top + th + 1), FONT, fs, ink, 1, cv2.LINE_AA)
