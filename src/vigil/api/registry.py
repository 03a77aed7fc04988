"""What the API needs from the running cameras: `CameraRegistry`, and `StaticCameraRegistry` for tests.

The supervisor implements the protocol for `vigil serve`; the API only reads through it,
except `apply_camera_config`, which the geometry routes call after validating a change,
and `watch`, which says that someone is watching a camera live (so that the pipeline
encodes frames for it).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from vigil.config.service import CameraConfig
from vigil.errors import CameraNotFoundError
from vigil.service.health import CameraHealth


@dataclass(frozen=True, slots=True)
class TrackOverlay:
    """One track as the UI draws it over the live image. Coordinates are normalised to the
    image (0-1, x right, y down): ``box`` is (x1, y1, x2, y2); ``trail`` its recent foot
    points (bottom centre of the box), oldest first."""

    id: int
    label: str
    box: tuple[float, float, float, float]
    trail: Sequence[tuple[float, float]] = ()


@dataclass(frozen=True, slots=True)
class Overlay:
    """The tracks of one analysed frame: ``wall`` is ``time.time()`` of its capture,
    ``width`` x ``height`` the frame's size in pixels."""

    wall: float
    width: int
    height: int
    tracks: Sequence[TrackOverlay] = field(default_factory=tuple)


class CameraRegistry(Protocol):
    """The cameras `vigil serve` runs, as the API sees them. Unknown ids raise CameraNotFoundError."""

    def camera_ids(self) -> list[str]:
        """Every configured camera id, in config order."""
        ...

    def camera_config(self, camera: str) -> CameraConfig:
        """The camera's current config."""
        ...

    def health(self, camera: str) -> CameraHealth:
        """The supervisor's view of the camera (``CameraSupervisor.health()[camera]``)."""
        ...

    def latest_frame(self, camera: str) -> bytes | None:
        """The latest frame as JPEG bytes, or None before the first frame."""
        ...

    def subscribe_frames(self, camera: str) -> AsyncIterator[bytes]:
        """JPEG frames as they come (for MJPEG); ends when the camera stops."""
        ...

    def latest_overlay(self, camera: str) -> Overlay | None:
        """The tracks of the latest analysed frame, or None before the first."""
        ...

    def watch(self, camera: str) -> AbstractContextManager[None]:
        """Held while someone watches the camera live (the MJPEG route holds it for the
        stream's life): the number of holders is the camera's viewer count."""
        ...

    def apply_camera_config(self, camera: str, config: CameraConfig) -> None:
        """Replace the camera's config (already validated) and make the pipeline use it."""
        ...


class StaticCameraRegistry:
    """A registry of fixed cameras held in memory (tests, demos).

    frames: JPEG bytes per camera; `latest_frame` is the last one, `subscribe_frames`
    yields them all once and ends, or, with ``repeat_s``, over and over (one every
    ``repeat_s`` seconds) until the subscriber leaves. overlays: what `latest_overlay`
    returns (`set_overlay` changes it). `applied` lists every `apply_camera_config`
    call; `viewers` counts the current `watch` holders per camera.
    """

    def __init__(
        self,
        cameras: Iterable[CameraConfig],
        *,
        frames: Mapping[str, list[bytes]] | None = None,
        health: Mapping[str, CameraHealth] | None = None,
        overlays: Mapping[str, Overlay] | None = None,
        repeat_s: float | None = None,
    ) -> None:
        self._configs = {c.camera: c for c in cameras}
        self._frames = {k: list(v) for k, v in (frames or {}).items()}
        self._health = dict(health or {})
        self._overlays = dict(overlays or {})
        self._repeat_s = repeat_s
        self._lock = threading.Lock()
        self.applied: list[tuple[str, CameraConfig]] = []
        self.viewers: dict[str, int] = {}

    def _check(self, camera: str) -> None:
        if camera not in self._configs:
            raise CameraNotFoundError(
                f"no camera {camera!r}; known: {', '.join(self._configs) or 'none'}"
            )

    def camera_ids(self) -> list[str]:
        return list(self._configs)

    def camera_config(self, camera: str) -> CameraConfig:
        self._check(camera)
        with self._lock:
            return self._configs[camera]

    def health(self, camera: str) -> CameraHealth:
        self._check(camera)
        return self._health.get(camera) or CameraHealth.idle(camera, "online")

    def set_health(self, health: CameraHealth) -> None:
        """What `health` reports for ``health.camera`` from now on."""
        self._check(health.camera)
        with self._lock:
            self._health[health.camera] = health

    def latest_frame(self, camera: str) -> bytes | None:
        self._check(camera)
        frames = self._frames.get(camera)
        return frames[-1] if frames else None

    async def subscribe_frames(self, camera: str) -> AsyncIterator[bytes]:
        self._check(camera)
        frames = list(self._frames.get(camera, ()))
        while True:
            for frame in frames:
                yield frame
                if self._repeat_s is not None:
                    await asyncio.sleep(self._repeat_s)
            if self._repeat_s is None or not frames:
                return

    def latest_overlay(self, camera: str) -> Overlay | None:
        self._check(camera)
        with self._lock:
            return self._overlays.get(camera)

    def set_overlay(self, camera: str, overlay: Overlay | None) -> None:
        """What `latest_overlay` returns for `camera` from now on."""
        self._check(camera)
        with self._lock:
            if overlay is None:
                self._overlays.pop(camera, None)
            else:
                self._overlays[camera] = overlay

    @contextmanager
    def watch(self, camera: str) -> Iterator[None]:
        self._check(camera)
        with self._lock:
            self.viewers[camera] = self.viewers.get(camera, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self.viewers[camera] -= 1

    def apply_camera_config(self, camera: str, config: CameraConfig) -> None:
        self._check(camera)
        with self._lock:
            self._configs[camera] = config
            self.applied.append((camera, config))
