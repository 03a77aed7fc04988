"""`vigil serve` end to end: an RTSP camera's events reach the store, MQTT and a webhook.

Real parts only: ffmpeg packetising vtest.avi behind a loopback RTSP server, a worker
process running YOLOX-Nano, SQLite, mosquitto, an HTTP webhook receiver, and the API app.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sources.rtsp_server import RtspServer

from vigil.auth import Role
from vigil.delivery._broker import LocalMosquitto
from vigil.delivery._probe import MqttProbe
from vigil.delivery._receiver import WebhookReceiver
from vigil.service.serve import Service

from .conftest import SECRET
from .helpers import FAST, camera, service_config, wait_for


def test_rtsp_camera_events_reach_store_mqtt_webhook_and_api(
    tmp_path: Path, models_dir: Path, vtest_h264: Path, mosquitto: LocalMosquitto, receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    prefix = f"t{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("SERVE_TEST_HOOK_SECRET", SECRET.decode())
    probe = MqttProbe(mosquitto.host, mosquitto.port, f"{prefix}/events", f"{prefix}/entrance/#")
    with RtspServer(vtest_h264, tmp_path) as rtsp:
        cfg = service_config(
            tmp_path, [camera("entrance", rtsp.url, models_dir)],
            outputs={
                "mqtt": {"host": mosquitto.host, "port": mosquitto.port, "topic_prefix": prefix,
                         "client_id": f"vigil-{prefix}", "discovery_prefix": f"{prefix}-ha"},
                "webhooks": [{"name": "hook", "url": receiver.url, "secret_env": "SERVE_TEST_HOOK_SECRET"}],
                "retry": {"initial": 0.2, "maximum": 1.0},
            },
        )  # fmt: skip
        with Service(cfg, FAST) as svc:
            assert svc.store is not None and svc.auth is not None and svc.app is not None
            store = svc.store
            stored = wait_for(lambda: store.query(camera="entrance").items, 90, "an event in the store")
            eid = stored[-1].id
            mqtt_ids = {m.json()["id"] for m in probe.wait_for(
                lambda ms: any(m.topic == f"{prefix}/events" and m.json()["id"] == eid for m in ms), 30)
                if m.topic == f"{prefix}/events"}  # fmt: skip
            wait_for(lambda: any(b["id"] == eid for b in receiver.bodies()), 30, f"webhook delivery of {eid}")
            store_ids = {e.id for e in store.query(camera="entrance", limit=1000).items}
            assert mqtt_ids <= store_ids, "MQTT carried an event the store does not hold"
            assert {b["id"] for b in receiver.bodies()} <= store_ids
            assert receiver.bad_signatures == 0

            # per-zone counts reach MQTT and the store's time series
            probe.wait_for(lambda ms: any(m.topic.startswith(f"{prefix}/entrance/") and "walkway" in m.topic
                                          for m in ms), 30)  # fmt: skip

            # the worker recorded a snapshot and a clip of an event, and the files exist
            def media() -> list[object]:
                return [m for e in store.query(camera="entrance", limit=1000).items for m in store.media(e.id)]

            refs = wait_for(lambda: {m.kind for m in media()} >= {"snapshot", "clip"} and media(), 60,  # type: ignore[attr-defined]
                            "a snapshot and a clip attached to events")  # fmt: skip
            for ref in refs:
                assert (svc.data_dir / ref.path).is_file(), ref  # type: ignore[attr-defined]

            # the API serves it all to an authenticated operator
            svc.auth.create_user("op", "operator-password-1", Role.OPERATOR, ["entrance"], actor="test")
            with TestClient(svc.app) as client:
                assert client.get("/api/events").status_code == 401
                r = client.post("/api/auth/login", json={"username": "op", "password": "operator-password-1"})
                assert r.status_code == 200, r.text
                page = client.get("/api/events", params={"camera": "entrance"}).json()
                assert eid in {e["id"] for e in page["items"]}
                def snapshot() -> bytes | None:
                    r = client.get("/api/cameras/entrance/snapshot.jpg")
                    return r.content if r.status_code == 200 else None

                assert wait_for(snapshot, 20, "a live snapshot", every=0.3)[:2] == b"\xff\xd8"
                health = client.get("/api/cameras/entrance/health").json()
                assert health["state"] == "online" and health["analysis_fps"] > 2.0, health
    probe.close()
    assert not [p for p in (svc.supervisor.pids().values() if svc.supervisor else []) if p and _alive(p)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
