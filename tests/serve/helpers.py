"""Building serve configs and waiting in the `vigil serve` tests."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vigil.config.service import ServiceConfig
from vigil.service.serve import ServeOptions
from vigil.service.supervisor import SupervisorSettings
from vigil.service.worker import WorkerSettings

FAST = ServeOptions(
    supervisor=SupervisorSettings(
        backoff_initial=0.2, backoff_max=2.0, start_timeout=30.0, heartbeat_timeout=3.0, stall_timeout=5.0,
        stop_timeout=3.0, worker=WorkerSettings(heartbeat_interval=0.2, counts_interval_s=1.0),
    ),
    ui=False,
)  # fmt: skip

WALKWAY = [[0.0, 0.25], [1.0, 0.25], [1.0, 1.0], [0.0, 1.0]]
"""Most of vtest.avi's floor, where people walk all the time."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def camera(name: str, source: str, models_dir: Path, **kw: Any) -> dict[str, Any]:
    cam: dict[str, Any] = {
        "camera": name, "source": source, "fps": 5,
        "detector": {"model": str(models_dir / "yolox_nano.onnx"), "threads": 1},
        "zones": [{"name": "walkway", "points": WALKWAY}],
        "rules": [{"type": "intrusion", "zone": "walkway", "min_duration": 0.5}],
        "recording": {"pre_roll": 1.0, "post_roll": 1.0, "max_clip": 10.0},
    }  # fmt: skip
    cam.update(kw)
    return cam


def service_config(tmp_path: Path, cameras: list[dict[str, Any]], **kw: Any) -> ServiceConfig:
    raw: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": free_port()},
        "storage": {"data_dir": str(tmp_path / "data")},
        "cameras": cameras,
    }
    raw.update(kw)
    return ServiceConfig.model_validate(raw)


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
