"""The one YAML file that `vigil serve` reads: cameras, storage, outputs, auth, server.

    server: {host: 127.0.0.1, port: 8971}
    storage: {data_dir: ./data}                 # SQLite in data_dir, or database_url for PostgreSQL
    outputs:
      mqtt: {host: 127.0.0.1, password_env: VIGIL_MQTT_PASSWORD}
      webhooks: [{name: alerts, url: "https://example.org/hook", secret_env: VIGIL_HOOK_SECRET}]
    cameras:
      - camera: entrance                        # every camera is a full analysis config (see AnalysisConfig)
        source: rtsp://user@10.0.0.5/stream     # or a file / image folder (with loop: true) / webcam:0
        fps: 5
        zones: [...]
        rules: [...]
        recording: {enabled: true, pre_roll: 5, post_roll: 5}

Secrets never sit in the file: each ``*_env`` field names an environment variable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from vigil.auth.settings import AuthSettings
from vigil.config.base import StrictModel
from vigil.config.models import AnalysisConfig
from vigil.config.outputs import OutputsConfig
from vigil.config.recording import RecordingConfig
from vigil.config.storage import StorageConfig


class CameraConfig(AnalysisConfig):
    """One camera: where its video comes from, plus everything `vigil analyze` takes."""

    source: str = Field(
        min_length=1, max_length=2048,
        description="rtsp:// or http(s):// stream, webcam:N, a video file or an image folder.",
    )  # fmt: skip
    enabled: bool = Field(True, description="False keeps the camera in the file but does not run it.")
    loop: bool = Field(False, description="Play a file or image folder over and over, as a live camera (demos).")
    rtsp_transport: Literal["tcp", "udp"] = Field("tcp", description="RTSP transport.")
    timeout: float = Field(10.0, gt=0.0, le=300.0, description="Seconds to wait for a live stream before reconnecting.")
    motion_gating: bool = Field(
        True, description="Skip detection on frames without motion (decoding continues); quiet cameras cost little."
    )
    recording: RecordingConfig = Field(
        default_factory=RecordingConfig,  # type: ignore[arg-type]
        description="Event clips, snapshots, continuous segments, retention and redaction.",
    )


class ServerConfig(StrictModel):
    """Where the API and web UI listen."""

    host: str = Field("127.0.0.1", min_length=1, max_length=255, description="Address to bind (local by default).")
    port: int = Field(8971, ge=1, le=65535, description="TCP port.")


class ServiceConfig(StrictModel):
    """Everything `vigil serve` runs."""

    server: ServerConfig = Field(default_factory=ServerConfig)  # type: ignore[arg-type]
    storage: StorageConfig = Field(default_factory=StorageConfig)  # type: ignore[arg-type]
    outputs: OutputsConfig = Field(default_factory=OutputsConfig)  # type: ignore[arg-type]
    auth: AuthSettings = Field(default_factory=AuthSettings)  # type: ignore[arg-type]
    cameras: tuple[CameraConfig, ...] = Field(min_length=1, max_length=256, description="The cameras.")

    @model_validator(mode="after")
    def _unique_cameras(self) -> ServiceConfig:
        seen: set[str] = set()
        for cam in self.cameras:
            if cam.camera in seen:
                raise ValueError(f"camera name {cam.camera!r} is used twice; names must be unique")
            seen.add(cam.camera)
        return self
