"""Helpers for the browser tests: generated frames and clips, seeded events, login."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
from fastapi import FastAPI

from vigil.api import ApiDeps, StaticCameraRegistry
from vigil.config.service import CameraConfig
from vigil.events import EventStore
from vigil.types import Event

try:  # the overlay types arrive with the API's overlay route
    from vigil.api.registry import Overlay, TrackOverlay
except ImportError:  # pragma: no cover
    Overlay = TrackOverlay = None  # type: ignore[assignment,misc]

CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")
"""Debian's chromium (CI installs it); VIGIL_CHROMIUM names another build."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"
XSS = "<img src=x onerror=alert(1)>"
"""A camera id (ids may hold any character but , and *) that must show as text."""


class CyclingRegistry(StaticCameraRegistry):
    """Cameras whose latest frame moves on at every request and whose MJPEG stream loops
    until the client leaves: the live image changes. A person walks across camera A
    (`latest_overlay`), when the API has overlays."""

    def __init__(self, cameras: Iterable[CameraConfig], *, frames: Mapping[str, list[bytes]]) -> None:
        super().__init__(cameras, frames=frames)
        self._cycle = {k: list(v) for k, v in frames.items()}
        self._served = dict.fromkeys(self._cycle, 0)

    async def subscribe_frames(self, camera: str) -> AsyncIterator[bytes]:
        self._check(camera)
        frames = self._cycle.get(camera) or []
        for i in itertools.count():
            if not frames:
                return
            yield frames[i % len(frames)]
            await asyncio.sleep(0.2)

    def latest_overlay(self, camera: str) -> Any:
        self._check(camera)
        if Overlay is None or TrackOverlay is None or camera != "A":
            return None
        x = 0.1 + 0.05 * (self._served.get(camera, 0) % 10)
        trail = [(x - 0.04 * k, 0.8) for k in range(5, 0, -1)]
        return Overlay(
            wall=time.time(), width=320, height=240,
            tracks=(TrackOverlay(id=7, label="person", box=(x - 0.05, 0.4, x + 0.05, 0.8), trail=trail),),
        )  # fmt: skip

    def latest_frame(self, camera: str) -> bytes | None:
        self._check(camera)
        frames = self._cycle.get(camera)
        if not frames:
            return None
        n = self._served[camera]
        self._served[camera] = n + 1
        return frames[n % len(frames)]


def camera_config(name: str) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "camera": name,
            "source": "rtsp://10.0.0.1/cam",
            "zones": [{"name": "door", "points": [[0.05, 0.05], [0.5, 0.05], [0.5, 0.5], [0.05, 0.5]]}],
            "lines": [{"name": "gate", "points": [[0.1, 0.9], [0.9, 0.9]]}],
            "rules": [{"type": "gathering", "zone": "door"}, {"type": "line_crossing", "line": "gate"}],
        }
    )


def frame_image(text: str, i: int, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    w, h = size
    img = np.full((h, w, 3), (40 + 40 * (i % 4), 60, 90), np.uint8)
    cv2.rectangle(img, (10 + 20 * i, 60), (60 + 20 * i, 200), (0, 200, 255), -1)
    cv2.putText(img, f"{text[:12]} #{i}", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
    return img


def jpeg_frames(camera: str, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        ok, buf = cv2.imencode(".jpg", frame_image(camera, i))
        assert ok
        out.append(buf.tobytes())
    return out


def write_clip(path: Path, frames: int = 30, fps: int = 15) -> None:
    """A short H.264 MP4 a browser can play (yuv420p, moov first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(frame_image("clip", i % 8)[:, :, ::-1].copy(), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def event(camera: str, rule: str = "gathering", zone: str | None = "door", t: float = 1.0, tid: int = 1) -> Event:
    attrs: dict[str, float | int | str | list[float]] = {"rule": rule, "people": 4}
    if zone is not None:
        attrs["zone"] = zone
    return Event(kind=rule, camera=camera, t=t, phase="instant", track_ids=(tid,), attributes=attrs, confidence=0.9)


@dataclass(frozen=True)
class Seeded:
    a_with_media: str
    """An event of camera A with a snapshot and a clip."""
    b_only: str
    xss_zone: str
    """An event whose zone is named like an HTML tag (the store takes any name)."""


def seed_events(store: EventStore, data_dir: Path) -> Seeded:
    now = datetime.now(UTC)
    ids = []
    for i in range(5):
        ids.append(store.record(event("A", t=float(i), tid=i + 1), at=now - timedelta(minutes=30 - i)))
    a_media = ids[-1]
    b_only = store.record(event("B", rule="loitering", t=9.0, tid=20), at=now - timedelta(minutes=20))
    xss = store.record(event(XSS, zone=XSS, t=3.0, tid=30), at=now - timedelta(minutes=10))
    write_clip(data_dir / "clips" / "a.mp4")
    ok, snap = cv2.imencode(".jpg", frame_image("snapshot", 2))
    assert ok
    (data_dir / "snapshots").mkdir()
    (data_dir / "snapshots" / "a.jpg").write_bytes(snap.tobytes())
    at = now - timedelta(minutes=26)
    store.attach_media(a_media, "snapshot", "snapshots/a.jpg", at)
    store.attach_media(a_media, "clip", "clips/a.mp4", at, at + timedelta(seconds=2))
    for minute in range(0, 60, 2):
        store.record_counts("A", {"door": minute % 5}, at=now - timedelta(minutes=60 - minute))
    for i, direction in enumerate(("in", "in", "out", "in", "out")):
        crossing = Event(
            kind="line_crossing", camera="A", t=100.0 + i, phase="instant", track_ids=(40 + i,),
            attributes={"rule": "line_crossing", "line": "gate", "direction": direction, "class": "person"},
            confidence=0.9,
        )  # fmt: skip
        store.record(crossing, at=now - timedelta(minutes=40 - 5 * i))
    if hasattr(store, "record_heat"):
        cells = [0] * 48
        for c in (17, 18, 25, 26, 27, 33):
            cells[c] = 5 + c
        store.record_heat("A", now - timedelta(minutes=5), 8, 6, cells)
    return Seeded(a_with_media=a_media, b_only=b_only, xss_zone=xss)


@dataclass
class UiServer:
    url: str
    app: FastAPI
    deps: ApiDeps
    registry: CyclingRegistry
    events: Seeded


def login(page: Any, user: str, password: str = PASSWORD) -> None:
    """Log in through the form; returns once the navigation bar shows the user."""
    page.goto("/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.locator(".who .user").filter(has_text=user).wait_for()


def shot(page: Any, artifacts: Path, name: str) -> None:
    """A full-page screenshot, taken from the top (sticky panels then sit where they belong)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
