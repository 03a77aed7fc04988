"""`FrameHub`: the latest preview frame and overlay of every camera, for snapshots and live views.

Workers send a preview JPEG now and then (faster while someone watches); the supervisor's
monitor thread puts it here, and the API reads it: ``latest(camera)`` for a snapshot,
``frames(camera)`` as an async iterator for MJPEG. Watching is counted per camera so the
worker can be told to send previews at the live rate only while a viewer is connected.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from vigil.service.health import PreviewTrack

ViewersChanged = Callable[[str, int], None]
"""Called with (camera, number of live viewers) whenever that number changes."""


@dataclass(frozen=True, slots=True)
class Preview:
    """One preview frame: JPEG bytes, capture wall time, size, and what the UI draws over it."""

    jpeg: bytes
    wall: float
    width: int
    height: int
    tracks: tuple[PreviewTrack, ...] = ()
    seq: int = 0


class FrameHub:
    """Thread-safe latest preview per camera. See the module docstring.

    poll_s: how often a live iterator looks for a newer frame (previews come at a few per second).
    """

    def __init__(self, on_viewers: ViewersChanged | None = None, *, poll_s: float = 0.04) -> None:
        self._latest: dict[str, Preview] = {}
        self._viewers: dict[str, int] = {}
        self._seq = 0
        self._lock = threading.Lock()
        self._on_viewers = on_viewers
        self._poll_s = poll_s
        self._closed = False

    def put(self, camera: str, preview: Preview) -> None:
        with self._lock:
            self._seq += 1
            self._latest[camera] = Preview(
                preview.jpeg, preview.wall, preview.width, preview.height, preview.tracks, self._seq
            )

    def latest(self, camera: str) -> Preview | None:
        with self._lock:
            return self._latest.get(camera)

    def forget(self, camera: str) -> None:
        """Drop a removed camera's frame."""
        with self._lock:
            self._latest.pop(camera, None)

    def viewers(self, camera: str) -> int:
        with self._lock:
            return self._viewers.get(camera, 0)

    def close(self) -> None:
        """End every live iterator."""
        self._closed = True

    def _count(self, camera: str, delta: int) -> None:
        with self._lock:
            n = max(0, self._viewers.get(camera, 0) + delta)
            self._viewers[camera] = n
        if self._on_viewers is not None:
            self._on_viewers(camera, n)

    @contextmanager
    def watch(self, camera: str) -> Iterator[None]:
        """Held while someone watches ``camera`` live: previews come at the live rate meanwhile."""
        self._count(camera, +1)
        try:
            yield
        finally:
            self._count(camera, -1)

    async def frames(self, camera: str, *, still: Callable[[], bool] = lambda: True) -> AsyncIterator[bytes]:
        """JPEG frames of ``camera`` as they come, the latest first; ends when ``still()`` is false or on close."""
        seen = -1
        while not self._closed and still():
            p = self.latest(camera)
            if p is not None and p.seq != seen:
                seen = p.seq
                yield p.jpeg
            await asyncio.sleep(self._poll_s)
