"""What the API needs from the running cameras: `CameraRegistry`, and `StaticCameraRegistry` for tests.

The supervisor implements the protocol for `vigil serve`; the API only reads through it,
except `apply_camera_config`, which the geometry routes call after validating a change.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Protocol

from vigil.config.service import CameraConfig
from vigil.errors import CameraNotFoundError
from vigil.service.health import CameraHealth


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

    def apply_camera_config(self, camera: str, config: CameraConfig) -> None:
        """Replace the camera's config (already validated) and make the pipeline use it."""
        ...


class StaticCameraRegistry:
    """A registry of fixed cameras held in memory (tests, demos).

    frames: JPEG bytes per camera; `latest_frame` is the last one, `subscribe_frames`
    yields them all once and ends. `applied` lists every `apply_camera_config` call.
    """

    def __init__(
        self,
        cameras: Iterable[CameraConfig],
        *,
        frames: Mapping[str, list[bytes]] | None = None,
        health: Mapping[str, CameraHealth] | None = None,
    ) -> None:
        self._configs = {c.camera: c for c in cameras}
        self._frames = {k: list(v) for k, v in (frames or {}).items()}
        self._health = dict(health or {})
        self._lock = threading.Lock()
        self.applied: list[tuple[str, CameraConfig]] = []

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
        return self._health.get(camera) or CameraHealth(
            camera=camera,
            state="online",
            pid=None,
            input_fps=0.0,
            analysis_fps=0.0,
            detect_fps=0.0,
            gated_fraction=0.0,
            lag=None,
            last_frame_wall=None,
            restarts=0,
            last_error=None,
        )

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
        for frame in list(self._frames.get(camera, ())):
            yield frame

    def apply_camera_config(self, camera: str, config: CameraConfig) -> None:
        self._check(camera)
        with self._lock:
            self._configs[camera] = config
            self.applied.append((camera, config))
