"""`ServiceRegistry`: the API's view of the cameras that `vigil serve` runs.

It implements ``vigil.api.registry.CameraRegistry`` over the supervisor (health, applying
a changed camera), the frame hub (snapshots, live MJPEG, overlays) and the overrides store
(zones, lines and rules changed in the web UI survive a restart).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractContextManager

from vigil.api.registry import Overlay, TrackOverlay
from vigil.config.service import CameraConfig
from vigil.errors import CameraNotFoundError
from vigil.service.frames import FrameHub
from vigil.service.health import CameraHealth
from vigil.service.overrides import Overrides
from vigil.service.supervisor import Supervisor

log = logging.getLogger(__name__)


class ServiceRegistry:
    """Cameras of a running service; ``cameras`` in config order (disabled ones included)."""

    def __init__(
        self, cameras: Sequence[CameraConfig], supervisor: Supervisor, frames: FrameHub, overrides: Overrides
    ) -> None:
        self._configs = {c.camera: c for c in cameras}
        self._supervisor = supervisor
        self._frames = frames
        self._overrides = overrides
        self._lock = threading.Lock()

    def _check(self, camera: str) -> None:
        if camera not in self._configs:
            raise CameraNotFoundError(f"no camera {camera!r}; known: {', '.join(self._configs) or 'none'}")

    def camera_ids(self) -> list[str]:
        with self._lock:
            return list(self._configs)

    def camera_configs(self) -> list[CameraConfig]:
        with self._lock:
            return list(self._configs.values())

    def camera_config(self, camera: str) -> CameraConfig:
        self._check(camera)
        with self._lock:
            return self._configs[camera]

    def health(self, camera: str) -> CameraHealth:
        self._check(camera)
        health = self._supervisor.health().get(camera)
        if health is not None:
            return health
        why = "disabled in the config" if not self._configs[camera].enabled else None
        return CameraHealth.idle(camera, "stopped", why)

    def latest_frame(self, camera: str) -> bytes | None:
        self._check(camera)
        p = self._frames.latest(camera)
        return p.jpeg if p is not None else None

    def latest_overlay(self, camera: str) -> Overlay | None:
        self._check(camera)
        p = self._frames.latest(camera)
        if p is None:
            return None
        tracks = tuple(TrackOverlay(t.id, t.label, (t.x1, t.y1, t.x2, t.y2), tuple(t.trail)) for t in p.tracks)
        return Overlay(p.wall, p.width, p.height, tracks)

    def watch(self, camera: str) -> AbstractContextManager[None]:
        self._check(camera)
        return self._frames.watch(camera)

    def subscribe_frames(self, camera: str) -> AsyncIterator[bytes]:
        self._check(camera)
        return self._frames.frames(camera, still=lambda: self._running(camera))

    def replace_all(self, cameras: Sequence[CameraConfig]) -> list[str]:
        """Use ``cameras`` (a reloaded config file, overrides already applied); only the cameras that
        changed, were added or were removed restart or stop. Returns those."""
        with self._lock:
            self._configs = {c.camera: c for c in cameras}
            current = list(self._configs.values())
        return self._supervisor.apply(current)

    def _running(self, camera: str) -> bool:
        with self._lock:
            cfg = self._configs.get(camera)
        return cfg is not None and cfg.enabled

    def apply_camera_config(self, camera: str, config: CameraConfig) -> None:
        """Use ``config`` for ``camera`` from now on: saved as an override, and only that camera restarts."""
        self._check(camera)
        if config.camera != camera:
            raise ValueError(f"config for camera {config.camera!r} given for camera {camera!r}")
        with self._lock:
            self._configs[camera] = config
            cameras = list(self._configs.values())
        self._overrides.save(config)
        restarted = self._supervisor.apply(cameras)
        log.info("camera %s: new config applied (restarted: %s)", camera, ", ".join(restarted) or "none")
