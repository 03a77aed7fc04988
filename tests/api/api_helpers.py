"""Helpers for the API tests: cameras A and B, events to record, and `Api` (app, client, tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2 as httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from vigil.api import ApiDeps, StaticCameraRegistry
from vigil.config.service import CameraConfig
from vigil.types import Event

PASSWORD = "correct horse battery"
JPEG_A = b"\xff\xd8\xff\xe0camera-A\xff\xd9"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DEADLINE_S = 10.0
"""The longest any test waits for a server, a stream message or a condition."""


def camera(name: str) -> CameraConfig:
    return CameraConfig.model_validate(
        {
            "camera": name,
            "source": f"rtsp://10.0.0.1/{name}",
            "zones": [{"name": "door", "points": [[0, 0], [0.5, 0], [0.5, 0.5]]}],
            "lines": [{"name": "gate", "points": [[0.1, 0.9], [0.9, 0.9]]}],
            "rules": [{"type": "gathering", "zone": "door"}],
        }
    )


def make_event(
    cam: str,
    rule: str = "gathering",
    zone: str | None = "door",
    t: float = 1.0,
    ids: tuple[int, ...] = (1,),
    phase: str = "instant",
) -> Event:
    attrs: dict[str, float | int | str | list[float]] = {"rule": rule}
    if zone is not None:
        attrs["zone"] = zone
    return Event(
        kind=rule,
        camera=cam,
        t=t,
        phase=phase,
        track_ids=ids,
        attributes=attrs,
        confidence=0.9,
    )


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    deps: ApiDeps
    registry: StaticCameraRegistry
    tokens: dict[str, dict[str, str]]  # user name -> Authorization header

    def get(self, user: str, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(
            url, headers={**self.tokens[user], **kw.pop("headers", {})}, **kw
        )

    def post(self, user: str, url: str, **kw: Any) -> httpx.Response:
        return self.client.post(
            url, headers={**self.tokens[user], **kw.pop("headers", {})}, **kw
        )

    def put(self, user: str, url: str, **kw: Any) -> httpx.Response:
        return self.client.put(
            url, headers={**self.tokens[user], **kw.pop("headers", {})}, **kw
        )
