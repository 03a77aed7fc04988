"""`vigil serve` on PostgreSQL (``storage.database_url``): events, users and the setup token live there."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from pg import PostgresCluster

from vigil.service.health import WorkerEvent
from vigil.service.serve import Service
from vigil.types import Event

from .helpers import FAST, camera, service_config


def test_serve_keeps_events_and_users_in_postgresql(tmp_path: Path, models_dir: Path, postgres: PostgresCluster) -> None:
    url = postgres.new_database(migrated=False)
    cfg = service_config(tmp_path, [camera("gate", str(tmp_path), models_dir, enabled=False)],
                         storage={"data_dir": str(tmp_path / "data"), "database_url": url})  # fmt: skip
    ev = Event(camera="gate", kind="intrusion", t=12.0, phase="start", started=11.5, track_ids=(3,),
               attributes={"rule": "intrusion", "zone": "door"}, confidence=0.9)  # fmt: skip
    with Service(cfg, FAST) as svc:
        assert svc.store is not None and svc.store.dialect == "postgresql"
        assert svc.auth is not None and svc.auth.engine.dialect.name == "postgresql"
        token = svc.setup_token
        assert token
        svc._on_event(WorkerEvent("gate", ev, time.time(), "run-1", "4b0b4c4e-0000-4000-8000-000000000001"))
        assert svc.app is not None
        with TestClient(svc.app) as client:
            r = client.post("/api/auth/setup", json={"token": token, "username": "admin",
                                                     "password": "postgres-admin-password"})  # fmt: skip
            assert r.status_code == 201, r.text
            r = client.post("/api/auth/login", json={"username": "admin", "password": "postgres-admin-password"})
            assert r.status_code == 200, r.text
            items = client.get("/api/events", params={"camera": "gate"}).json()["items"]
            assert [e["id"] for e in items] == ["4b0b4c4e-0000-4000-8000-000000000001"]
    # nothing of it was in SQLite in the data directory
    assert not (tmp_path / "data" / "vigil.db").exists()
    with Service(cfg, FAST) as again:  # a restart finds the admin: no new setup token
        assert again.setup_token is None
        assert again.store is not None
        assert again.store.get("4b0b4c4e-0000-4000-8000-000000000001").kind == "intrusion"
