"""Supervisor with real worker processes, real YOLOX-Nano and tiny generated looping videos."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from videos import moving_block

from vigil.config.service import CameraConfig, ServiceConfig
from vigil.service.health import CameraHealth, WorkerEvent
from vigil.service.supervisor import Supervisor, SupervisorSettings
from vigil.service.worker import WorkerSettings

FAST = SupervisorSettings(
    backoff_initial=0.2,
    backoff_max=2.0,
    start_timeout=20.0,
    heartbeat_timeout=2.0,
    stall_timeout=1.0,
    stop_timeout=2.0,
    worker=WorkerSettings(heartbeat_interval=0.2),
)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return moving_block(tmp_path_factory.mktemp("cams") / "loop.mp4", 3.0)


@pytest.fixture(scope="module")
def camera(models_dir: Path, video: Path) -> Callable[..., CameraConfig]:
    def make(name: str, **kw: Any) -> CameraConfig:
        fields: dict[str, Any] = {
            "camera": name, "source": str(video), "loop": True, "fps": 5, "motion_gating": False,
            "detector": {"model": str(models_dir / "yolox_nano.onnx"), "threads": 1},
        }  # fmt: skip
        fields.update(kw)
        return CameraConfig.model_validate(fields)

    return make


@pytest.fixture()
def supervisors() -> Iterator[list[Supervisor]]:
    """Supervisors a test starts; always stopped, and their workers checked gone."""
    started: list[Supervisor] = []
    yield started
    pids = [pid for sup in started for pid in sup.pids().values() if pid is not None]
    for sup in started:
        sup.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def online(sup: Supervisor, *names: str) -> Callable[[], bool]:
    def check() -> bool:
        h = sup.health()
        return all(h[n].online and h[n].analysis_fps > 0 for n in names)

    return check


def sample_fps(sup: Supervisor, name: str, seconds: float) -> list[float]:
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        out.append(sup.health()[name].analysis_fps)
        time.sleep(0.25)
    return out


def test_kill_9_restarts_the_worker_and_the_other_camera_keeps_its_rate(
    camera: Callable[..., CameraConfig], data_dir: Path, supervisors: list[Supervisor]
) -> None:
    people = data_dir / "mot" / "TUD-Campus" / "TUD-Campus.mp4"  # camera a sees people: events flow
    if not people.is_file():
        pytest.skip(f"{people} not found")
    received: list[WorkerEvent] = []
    a = camera(
        "a", source=str(people), zones=[{"name": "all", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
        rules=[{"type": "intrusion", "name": "people", "zone": "all"}],
    )  # fmt: skip
    sup = Supervisor([a, camera("b")], on_event=received.append, settings=FAST)
    supervisors.append(sup)
    sup.start()
    wait_for(online(sup, "a", "b"), 20.0, "both cameras online")
    time.sleep(1.5)  # let the rate windows fill
    h = sup.health()
    for name in ("a", "b"):
        cam: CameraHealth = h[name]
        assert cam.state == "online" and cam.pid is not None
        assert 4.0 <= cam.input_fps <= 6.5, cam
        assert 4.0 <= cam.analysis_fps <= 6.5, cam
        assert cam.detect_fps == pytest.approx(cam.analysis_fps, abs=0.5)  # gating is off
        assert cam.gated_fraction == 0.0
        assert cam.lag is not None and 0.0 <= cam.lag < 1.0
        assert cam.last_frame_wall is not None and abs(time.time() - cam.last_frame_wall) < 1.5
        assert (cam.restarts, cam.last_error) == (0, None)
    wait_for(lambda: bool(received), 5.0, "an event from camera a")
    first = received[0]
    assert (first.camera, first.event.camera, first.event.kind, first.event.phase) == ("a", "a", "intrusion", "start")
    assert abs(first.wall - time.time()) < 5.0
    before = sample_fps(sup, "b", 1.0)
    a_pid, b_pid = h["a"].pid, h["b"].pid
    assert a_pid is not None

    os.kill(a_pid, signal.SIGKILL)
    wait_for(lambda: sup.health()["a"].state != "online", 2.0, "camera a to be seen down")
    during = sample_fps(sup, "b", 1.0)
    wait_for(online(sup, "a"), 10.0, "camera a back online")
    during += sample_fps(sup, "b", 1.0)

    h = sup.health()
    assert h["a"].pid not in (None, a_pid)
    assert h["a"].restarts == 1 and h["a"].last_error == "worker killed by signal 9"
    assert h["b"].pid == b_pid and h["b"].restarts == 0
    base = sum(before) / len(before)
    assert min(during) >= 0.7 * base, (before, during)
    # the new worker is a new pipeline run: its events get ids of their own in the store
    wait_for(lambda: len({e.run for e in received}) == 2, 10.0, "events of the restarted worker")
    assert next(e.event.phase for e in received if e.run != first.run) == "start"


def test_apply_restarts_only_the_changed_camera(
    camera: Callable[..., CameraConfig], supervisors: list[Supervisor]
) -> None:
    with Supervisor(ServiceConfig(cameras=(camera("a"), camera("b"))), settings=FAST) as sup:
        supervisors.append(sup)
        wait_for(online(sup, "a", "b"), 20.0, "both cameras online")
        pids = sup.pids()
        assert sup.apply([camera("a"), camera("b")]) == []  # same config: nothing moves
        changed = sup.apply([camera("a"), camera("b", fps=4)])
        assert changed == ["b"]
        wait_for(lambda: sup.pids()["b"] not in (None, pids["b"]), 10.0, "camera b restarted")
        wait_for(online(sup, "b"), 15.0, "camera b online again")
        h = sup.health()
        assert sup.pids()["a"] == pids["a"] and h["a"].restarts == 0
        assert h["b"].restarts == 1 and h["b"].last_error == "config changed"

        b_pid = sup.pids()["b"]
        # disabled counts as removed; c is new
        assert sup.apply([camera("b", fps=4), camera("a", enabled=False), camera("c")]) == ["a", "c"]
        wait_for(lambda: "a" not in sup.health(), 10.0, "camera a removed")
        wait_for(online(sup, "c"), 15.0, "camera c online")
        assert gone(pids["a"] or 0)
        assert sup.pids()["b"] == b_pid and set(sup.pids()) == {"b", "c"}


def test_hung_and_failing_workers_restart_and_a_finished_file_is_left_alone(
    camera: Callable[..., CameraConfig], supervisors: list[Supervisor], tmp_path: Path
) -> None:
    fifo = tmp_path / "never.mp4"
    os.mkfifo(fifo)  # opening it for reading blocks forever: a decoder that hangs
    short = moving_block(tmp_path / "short.mp4", 1.0)
    cams = [
        camera("stuck", source=str(fifo), timeout=0.5),
        camera("frozen"),
        camera("once", source=str(short), loop=False),
        camera("broken", source=str(tmp_path / "missing.mp4")),
    ]
    sup = Supervisor(cams, settings=FAST)
    supervisors.append(sup)
    sup.start()
    wait_for(online(sup, "frozen"), 20.0, "camera frozen online")
    frozen_pid = sup.pids()["frozen"]
    assert frozen_pid is not None
    os.kill(frozen_pid, signal.SIGSTOP)  # the whole process stops: no heartbeats at all
    wait_for(lambda: sup.health()["stuck"].restarts >= 1, 15.0, "the stuck camera restarted")
    wait_for(lambda: sup.health()["frozen"].restarts >= 1, 10.0, "the frozen camera restarted")
    wait_for(lambda: sup.health()["once"].state == "finished", 10.0, "the one-pass file finished")
    wait_for(lambda: sup.health()["broken"].restarts >= 2, 10.0, "the broken camera retried")
    h = sup.health()
    assert h["stuck"].last_error is not None and "no progress opening the source" in h["stuck"].last_error
    assert h["frozen"].last_error is not None and "no heartbeat" in h["frozen"].last_error
    assert h["once"].restarts == 0 and h["once"].last_error is None and h["once"].pid is None
    assert h["broken"].last_error is not None and "missing.mp4" in h["broken"].last_error
    assert h["broken"].state in ("restarting", "starting")
    wait_for(online(sup, "frozen"), 15.0, "camera frozen back online")
    assert sup.pids()["frozen"] != frozen_pid


ORPHAN_SCRIPT = """
import sys, time
from vigil.config.service import CameraConfig
from vigil.service.supervisor import Supervisor, SupervisorSettings
from vigil.service.worker import WorkerSettings

if __name__ == "__main__":
    cam = CameraConfig.model_validate(
        {"camera": "c", "source": sys.argv[1], "loop": True, "fps": 2, "detector": {"model": sys.argv[2]}}
    )
    sup = Supervisor([cam], settings=SupervisorSettings(worker=WorkerSettings(heartbeat_interval=0.1)))
    sup.start()
    while not sup.health()["c"].online:  # the worker runs its frame loop and heartbeats
        time.sleep(0.05)
    print(sup.pids()["c"], flush=True)
    time.sleep(60)
"""


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].startswith("Z")  # a zombie nobody reaps is gone too
    except FileNotFoundError:
        return True


def test_workers_exit_when_the_supervisor_process_is_killed(models_dir: Path, video: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "serve.py"
    script.write_text(ORPHAN_SCRIPT)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(video), str(models_dir / "yolox_nano.onnx")], stdout=subprocess.PIPE, text=True
    )
    worker: int | None = None
    try:
        assert parent.stdout is not None
        worker = int(parent.stdout.readline())
        assert not gone(worker)
        parent.kill()
        parent.wait(5)
        wait_for(lambda: gone(worker), 10.0, "the orphaned worker to exit")
    finally:
        if worker is not None and not gone(worker):
            os.kill(worker, signal.SIGKILL)
        parent.kill()
        parent.wait(5)
        if parent.stdout is not None:
            parent.stdout.close()

