"""Issue 5's end-to-end suite: `vigil serve` on the looping demo video, driven in chromium as an
operator would: set up and log in, watch the camera live, draw a zone, see a live event arrive,
open it and play its clip, acknowledge it, see the counts chart show data. Then a viewer of the
demo camera sees neither the other camera nor its events, and admin pages say "not allowed".

Needs the shared data (vtest.avi, YOLOX-Nano) besides chromium and playwright; skips without.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from web_helpers import PASSWORD, event, login, shot

from vigil.auth import AuthStore, Role
from vigil.events import EventStore

START_S = 90.0
EVENT_S = 120.0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Serve:
    """`vigil serve CONFIG` as a child process; its console lines are kept in `lines`."""

    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vigil", "serve", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if needle in line:
                    return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"vigil serve never printed {needle!r}; it printed:\n" + "\n".join(self.lines[-40:]))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture(scope="module")
def serve(data_dir: Path, models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Serve, Path]]:
    """(base url, the process, data dir) of `vigil serve` on the demo config plus a second,
    disabled camera "lobby" (for the viewer checks)."""
    video = data_dir / "videos" / "vtest.avi"
    if not video.is_file():
        pytest.skip(f"{video} not found")
    from vigil.demo import demo_config_path

    tmp = tmp_path_factory.mktemp("serve")
    cfg = yaml.safe_load(demo_config_path().read_text())
    port = _free_port()
    cfg["server"] = {"host": "127.0.0.1", "port": port}
    cfg["storage"] = {"data_dir": str(tmp / "data")}
    lobby = {k: v for k, v in cfg["cameras"][0].items() if k not in ("zones", "lines", "rules")}
    cfg["cameras"].append({**lobby, "camera": "lobby", "enabled": False})
    config = tmp / "serve.yaml"
    config.write_text(yaml.safe_dump(cfg))
    env = {**os.environ, "VIGIL_DEMO_VIDEO": str(video), "VIGIL_MODELS": str(models_dir)}
    proc = Serve(config, env)
    try:
        proc.wait_line("Vigil is running at", START_S)
        yield f"http://127.0.0.1:{port}", proc, tmp / "data"
    finally:
        proc.stop()


def test_operator_flow_on_the_demo_camera(serve: tuple[str, Serve, Path], open_page: Any, artifacts: Path) -> None:
    url, proc, _ = serve
    link = proc.wait_line("/setup#token=", 5).strip()
    token = link.split("#token=", 1)[1].split()[0]

    # 1. first-run setup, then log out and log in with the form
    page, _ = open_page(url)
    page.goto(f"/setup#token={token}")
    page.get_by_label("Admin username").fill("admin")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create admin").click()
    page.locator(".who .user").filter(has_text="admin").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    login(page, "admin")

    # 2. the camera is live: its image changes
    page.goto("/")
    page.locator('article.tile[data-camera="demo"]').wait_for()
    page.wait_for_function(
        "() => Number(document.querySelector('article.tile[data-camera=demo] .live')?.dataset.frames || 0) >= 1",
        timeout=60_000,
    )
    first = page.locator('article.tile[data-camera="demo"] img.frame').get_attribute("src")
    page.wait_for_function(
        "(src) => document.querySelector('article.tile[data-camera=demo] img.frame')?.getAttribute('src') !== src",
        arg=first, timeout=20_000,
    )  # fmt: skip
    page.locator('article.tile[data-camera="demo"] .badge.online').wait_for(timeout=30_000)
    shot(page, artifacts, "e2e-cameras")
    page.goto("/cameras/demo")
    page.wait_for_function("() => document.querySelector('.detail .live img.frame')?.naturalWidth > 0", timeout=20_000)
    shot(page, artifacts, "e2e-camera-detail")

    # 3. draw a zone and save it to the camera
    page.goto("/zones?camera=demo")
    page.locator("#zone-list .shape").first.wait_for()
    zones_before = page.locator("#zone-list .shape").count()
    box = page.locator("#stage svg").bounding_box()
    assert box is not None
    page.get_by_role("button", name="Draw zone").click()
    for x, y in ((0.05, 0.1), (0.35, 0.1), (0.35, 0.4), (0.05, 0.4)):
        page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])
    page.keyboard.press("Enter")
    page.locator("#zone-list input[name=name]").nth(zones_before).fill("corner")
    page.get_by_role("button", name="Save to camera").click()
    page.locator("#toast").filter(has_text="Saved to camera demo").wait_for()
    shot(page, artifacts, "e2e-zones")

    # 4. a live event arrives on the events page without a reload
    page.goto("/events")
    page.locator("#stream-state[data-state=live]").wait_for(timeout=15_000)
    page.locator("#event-list .event-row.arrived").first.wait_for(timeout=EVENT_S * 1000)
    shot(page, artifacts, "e2e-event-arrived")

    # 5. open an event with a clip and play it (clips are written after the post-roll)
    deadline = time.monotonic() + EVENT_S
    while True:
        rows = page.locator("#event-list .event-row")
        for i in range(min(rows.count(), 10)):
            rows.nth(i).click()
            page.locator(".event-detail:not([data-loading])").wait_for()
            if page.locator(".event-detail video.clip").count():
                break
        if page.locator(".event-detail video.clip").count():
            break
        assert time.monotonic() < deadline, "no event got a clip"
        time.sleep(3)
    played = page.evaluate(
        """async () => {
            const v = document.querySelector('.event-detail video.clip');
            v.muted = true;
            await v.play();
            await new Promise((r) => setTimeout(r, 800));
            return {t: v.currentTime, w: v.videoWidth};
        }"""
    )
    assert played["w"] > 0 and played["t"] > 0, played
    shot(page, artifacts, "e2e-event-clip")

    # 6. acknowledge it with a note, by keyboard
    page.get_by_label("Note").fill("seen on the demo camera")
    page.locator(".event-row.selected").focus()
    page.keyboard.press("a")
    page.locator(".event-detail .ack-state").filter(has_text="Acknowledged by admin").wait_for()
    page.locator(".event-detail .note-text").filter(has_text="seen on the demo camera").wait_for()

    # 7. the counts chart shows data
    page.goto("/counts?camera=demo&range=1h")
    deadline = time.monotonic() + 60
    while int(page.locator("#chart-occupancy").get_attribute("data-points") or 0) == 0:
        assert time.monotonic() < deadline, "the occupancy chart never showed data"
        time.sleep(3)
        page.get_by_role("button", name="Refresh").click()
        page.wait_for_function("() => document.querySelector('#chart-occupancy')?.dataset.points !== undefined")
    page.locator("#chart-occupancy canvas").first.wait_for()
    shot(page, artifacts, "e2e-counts")
    page.goto("/system")
    page.locator("#health tr[data-camera=demo]").wait_for()
    shot(page, artifacts, "e2e-system")


def test_viewer_sees_only_their_camera(serve: tuple[str, Serve, Path], open_page: Any, artifacts: Path) -> None:
    url, _, data = serve
    from sqlalchemy import create_engine

    db = data / "vigil.db"
    engine = create_engine(f"sqlite:///{db}")
    auth = AuthStore(engine)
    auth.create_user("watcher", PASSWORD, Role.VIEWER, ("demo",), actor="test")
    engine.dispose()
    with EventStore(f"sqlite:///{db}") as store:
        lobby_event = store.record(event("lobby", rule="loitering", zone=None, t=1.0), at=datetime.now(UTC))

    page, _ = open_page(url)
    login(page, "watcher")
    page.goto("/")
    page.locator("article.tile").first.wait_for()
    assert page.locator("article.tile").evaluate_all("els => els.map(e => e.dataset.camera)") == ["demo"]
    page.goto("/events")
    page.locator("#event-list .event-row").first.wait_for(timeout=30_000)
    assert page.locator(f'.event-row[data-id="{lobby_event}"]').count() == 0
    assert set(page.locator("#event-list .ev-camera").all_inner_texts()) == {"demo"}
    for path in ("/users", "/zones", "/system"):
        page.goto(path)
        page.get_by_role("heading", name="Not allowed").wait_for()
        shot(page, artifacts, f"e2e-viewer-{path.strip('/')}")
    # and the API itself answers 403 to the viewer's session
    with httpx.Client(base_url=url) as client:
        r = client.post("/api/auth/login", json={"username": "watcher", "password": PASSWORD})
        assert r.status_code == 200
        assert client.get("/api/users").status_code == 403
        assert client.get("/api/cameras/lobby/snapshot.jpg").status_code == 403
        assert client.get(f"/api/events/{lobby_event}").status_code == 403
