"""GET /api/system: roles (viewers 403), the caller's cameras with CPU use, storage against the
cap (LocalSystem over a real data directory), outbox backlog from a real worker or the store."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from api_helpers import T0, Api, make_event

from vigil import __version__
from vigil.api import LocalSystem, StorageUsage
from vigil.delivery.outbox import OutboxWorker
from vigil.errors import PublishError
from vigil.events import EventMessage, EventStore, Route
from vigil.service.health import CameraHealth


class Usage(NamedTuple):
    total: int
    used: int
    free: int


class DownPublisher:
    """A destination that is down."""

    name = "mqtt"
    on_ready: Callable[[], None] | None = None

    def start(self) -> None:
        pass

    def publish(self, message: EventMessage) -> None:
        raise PublishError("mqtt broker:1883: connection refused")

    def stop(self) -> None:
        pass


def write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)


def test_viewers_are_denied_operators_see_their_cameras(api: Api) -> None:
    assert api.get("viewer_a", "/api/system").status_code == 403
    assert api.client.get("/api/system").status_code == 401
    op = api.get("operator_a", "/api/system")
    assert op.status_code == 200, op.text
    assert [c["camera"] for c in op.json()["cameras"]] == ["A"]
    admin = api.get("admin", "/api/system").json()
    assert admin["version"] == __version__
    assert [c["camera"] for c in admin["cameras"]] == ["A", "B"]
    # without a system provider: storage unknown, backlog from the store ("ui" route), no worker
    assert admin["storage"] is None
    assert admin["outbox"] == {"running": False, "backlog": 0, "failed": 0, "oldest_pending_age": None,
                               "destinations": []}
    api.deps.events.record(make_event("A"))
    backlog = api.get("admin", "/api/system").json()["outbox"]
    assert backlog["backlog"] == 1 and [d["name"] for d in backlog["destinations"]] == ["ui"]
    assert backlog["destinations"][0]["pending"] == 1


def test_camera_cpu_is_reported_when_health_has_it(api: Api) -> None:
    assert api.get("admin", "/api/system").json()["cameras"][0]["cpu_percent"] is None

    @dataclasses.dataclass(frozen=True)
    class WithCpu(CameraHealth):  # what vigil.service.health.CameraHealth gains
        cpu_percent: float | None = None

    busy = WithCpu(
        camera="A", state="online", pid=42, input_fps=25.0, analysis_fps=5.0, detect_fps=2.0,
        gated_fraction=0.6, lag=0.12, last_frame_wall=T0.timestamp(), restarts=0, last_error=None,
        cpu_percent=37.5,
    )  # fmt: skip
    api.registry.set_health(busy)
    cams = {c["camera"]: c for c in api.get("admin", "/api/system").json()["cameras"]}
    assert cams["A"]["cpu_percent"] == 37.5 and cams["A"]["analysis_fps"] == 5.0
    assert cams["B"]["cpu_percent"] is None
    assert api.get("viewer_a", "/api/cameras/A/health").json()["cpu_percent"] == 37.5


def test_storage_and_outbox_from_local_system(api: Api, tmp_path: Path) -> None:
    data = api.deps.data_dir
    write(data / "clips" / "A" / "e1.mp4", 3000)
    write(data / "clips" / "A" / "e1.jpg", 500)
    write(data / "segments" / "A" / "s.mp4", 1500)
    write(data / "clips" / "A" / ".e2.mp4.part", 10_000)  # being written: not counted
    write(data / "clips" / "A" / "notes.txt", 10_000)  # not media
    write(data / "vigil.db", 10_000)  # the database is not under the cap
    store = EventStore(f"sqlite:///{tmp_path / 'out.db'}", routes=[Route("mqtt")])
    worker = OutboxWorker(store, [DownPublisher()])
    try:
        store.record(make_event("A"), at=T0)
        worker.run_once()
        system = LocalSystem(data, cap_bytes=10_000, outbox=worker,
                             disk_usage=lambda _path: Usage(10**9, 10**8, 9 * 10**8))
        assert system.storage() == StorageUsage(5000, 10_000, 9 * 10**8)
        api.app.state.vigil_api = dataclasses.replace(api.deps, system=system)
        body = api.get("operator_a", "/api/system").json()
    finally:
        store.close()
    assert body["storage"] == {"used_bytes": 5000, "cap_bytes": 10_000, "free_bytes": 900_000_000,
                               "used_fraction": 0.5}
    out = body["outbox"]
    assert (out["running"], out["backlog"], out["failed"]) == (False, 1, 0)
    (mqtt,) = out["destinations"]
    assert mqtt["name"] == "mqtt" and mqtt["pending"] == 1 and mqtt["delivered"] == 0
    assert "connection refused" in mqtt["last_error"] and mqtt["retry_in"] is not None


def test_local_system_caches_the_walk_and_survives_a_missing_disk(tmp_path: Path) -> None:
    now = [0.0]

    def broken_disk(_path: str) -> Usage:
        raise FileNotFoundError(2, "No such file or directory")

    system = LocalSystem(tmp_path, None, clock=lambda: now[0], cache_s=30.0, disk_usage=broken_disk)
    assert system.storage() == StorageUsage(0, None, None)  # no media folders yet
    assert system.outbox() is None
    write(tmp_path / "clips" / "x.mp4", 100)
    assert system.storage().used_bytes == 0  # cached
    now[0] = 31.0
    assert system.storage().used_bytes == 100
