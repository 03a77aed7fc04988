"""`vigil serve` as an operator runs it: a real process, the setup link, the API, a clean stop."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from .helpers import camera, free_port, wait_for


def _vigil(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vigil", *args], check=False, capture_output=True, text=True, timeout=60, **kw)  # type: ignore[call-overload,no-any-return]


def test_serve_without_config_says_what_to_give() -> None:
    r = _vigil("serve")
    assert r.returncode == 2
    assert "no config" in r.stderr and "--demo" in r.stderr


def test_serve_with_config_and_demo_refuses(tmp_path: Path) -> None:
    r = _vigil("serve", str(tmp_path / "x.yaml"), "--demo")
    assert r.returncode == 2 and "not both" in r.stderr


def test_serve_bad_config_names_the_line(tmp_path: Path) -> None:
    cfg = tmp_path / "serve.yaml"
    cfg.write_text("cameras:\n  - camera: a\n    source: x.mp4\n    fps: -1\n", encoding="utf-8")
    r = _vigil("serve", str(cfg))
    assert r.returncode == 2
    assert "serve.yaml:4: cameras.0.fps" in r.stderr, r.stderr


def test_serve_on_a_busy_port_says_so(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cfg = tmp_path / "serve.yaml"
        cfg.write_text(yaml.safe_dump({"cameras": [{"camera": "a", "source": str(tmp_path)}]}), encoding="utf-8")
        r = _vigil("serve", str(cfg), "--port", str(port), "--data-dir", str(tmp_path / "data"))
    assert r.returncode == 2
    assert f"127.0.0.1:{port}" in r.stderr and "already in use" in r.stderr, r.stderr


def test_serve_runs_prints_setup_link_serves_api_and_stops_cleanly(
    tmp_path: Path, models_dir: Path, vtest_h264: Path
) -> None:
    port = free_port()
    cfg = tmp_path / "serve.yaml"
    cam = camera("hall", str(vtest_h264), models_dir, loop=True)
    cfg.write_text(yaml.safe_dump({
        "server": {"host": "127.0.0.1", "port": port}, "storage": {"data_dir": str(tmp_path / "data")},
        "cameras": [cam],
    }), encoding="utf-8")  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "vigil", "serve", str(cfg), "--no-ui"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        token = None
        deadline = time.monotonic() + 60
        seen: list[str] = []
        while token is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            m = re.search(rf"{re.escape(base)}/setup#token=([A-Za-z0-9_\-]+)", line)
            if m:
                token = m.group(1)
        assert token, f"no setup link printed: {''.join(seen)[-2000:]}"
        with httpx.Client(base_url=base, timeout=10) as client:
            wait_for(lambda: _ok(client, "/api/health"), 30, "the API to answer")
            assert client.get("/api/cameras").status_code == 401
            r = client.post("/api/auth/setup", json={"token": token, "username": "admin",
                                                     "password": "a-long-admin-password"})  # fmt: skip
            assert r.status_code == 201, r.text
            r = client.post("/api/auth/login", json={"username": "admin", "password": "a-long-admin-password"})
            assert r.status_code == 200, r.text
            assert [c["id"] for c in client.get("/api/cameras").json()] == ["hall"]

            def online() -> dict[str, object] | None:
                h = client.get("/api/cameras/hall/health").json()
                return h if h["state"] == "online" else None

            wait_for(online, 60, "camera hall online", every=0.5)
            workers = _children(proc.pid)
            assert workers, "no camera worker process under vigil serve"
            # the setup token is single-use
            again = client.post("/api/auth/setup", json={"token": token, "username": "eve",
                                                         "password": "another-long-password"})  # fmt: skip
            assert again.status_code in (403, 409, 410), again.text

            # SIGHUP reads the file again: an added camera starts, the unchanged one runs on untouched
            yard = camera("yard", str(vtest_h264), models_dir, loop=True)
            cfg.write_text(yaml.safe_dump({**yaml.safe_load(cfg.read_text()), "cameras": [cam, yard]}))
            proc.send_signal(signal.SIGHUP)
            wait_for(lambda: [c["id"] for c in client.get("/api/cameras").json()] == ["hall", "yard"], 30,
                     "camera yard added")  # fmt: skip
            wait_for(lambda: client.get("/api/cameras/yard/health").json()["state"] == "online", 60,
                     "camera yard online", every=0.5)  # fmt: skip
            assert client.get("/api/cameras/hall/health").json()["restarts"] == 0
            # a broken file is refused and the running cameras stay
            cfg.write_text("cameras: [{camera: hall}]\n")
            proc.send_signal(signal.SIGHUP)
            time.sleep(1.0)
            assert [c["id"] for c in client.get("/api/cameras").json()] == ["hall", "yard"]
            assert proc.poll() is None
            workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        for pid in workers:
            wait_for(lambda: not _alive(pid), 10, f"worker {pid} to exit")  # noqa: B023
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def _ok(client: httpx.Client, path: str) -> bool:
    try:
        return client.get(path).status_code == 200
    except httpx.TransportError:
        return False


def _children(parent: int) -> list[int]:
    """Processes whose parent is ``parent`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
