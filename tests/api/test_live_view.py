"""Live view: the overlay of the latest tracks, and the MJPEG stream counting its viewers
(through the registry's `watch`) until the client goes away. Every wait is bounded."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import httpx
from api_helpers import DEADLINE_S, JPEG_A, T0, Api, camera

from vigil.api import Overlay, StaticCameraRegistry, TrackOverlay


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_overlay_of_the_latest_frame(api: Api) -> None:
    assert api.get("viewer_a", "/api/cameras/A/overlay").status_code == 404  # nothing analysed yet
    api.registry.set_overlay(
        "A",
        Overlay(
            wall=T0.timestamp(), width=768, height=576,
            tracks=[
                TrackOverlay(7, "person", (0.1, 0.2, 0.15, 0.4), [(0.12, 0.38), (0.125, 0.4)]),
                TrackOverlay(9, "car", (0.5, 0.5, 0.712345678, 0.9)),
            ],
        ),
    )  # fmt: skip
    r = api.get("viewer_a", "/api/cameras/A/overlay")
    assert r.status_code == 200, r.text
    assert r.json() == {
        "camera": "A",
        "at": "2025-03-01T12:00:00Z",
        "width": 768,
        "height": 576,
        "tracks": [
            {"id": 7, "label": "person", "box": [0.1, 0.2, 0.15, 0.4], "trail": [[0.12, 0.38], [0.125, 0.4]]},
            {"id": 9, "label": "car", "box": [0.5, 0.5, 0.7123, 0.9], "trail": []},
        ],
    }
    assert api.get("viewer_b", "/api/cameras/A/overlay").status_code == 403
    assert api.get("admin", "/api/cameras/Z/overlay").status_code == 404
    api.registry.set_overlay("A", None)
    assert api.get("viewer_a", "/api/cameras/A/overlay").status_code == 404


def test_mjpeg_counts_a_viewer_while_it_streams(api: Api, base_url: str) -> None:
    live = StaticCameraRegistry([camera("A"), camera("B")], frames={"A": [JPEG_A, b"\xff\xd8two\xff\xd9"]},
                                repeat_s=0.05)
    api.app.state.vigil_api = dataclasses.replace(api.deps, cameras=live)
    assert live.viewers == {}
    timeout = httpx.Timeout(DEADLINE_S)
    with httpx.Client(base_url=base_url, timeout=timeout) as client, httpx.Client(
        base_url=base_url, timeout=timeout
    ) as other:
        with client.stream("GET", "/api/cameras/A/live.mjpeg", headers=api.tokens["viewer_a"]) as r:
            assert r.status_code == 200
            boundary = r.headers["content-type"].split("boundary=")[1].encode()
            received = b""
            chunks = r.iter_bytes()
            while received.count(b"--" + boundary) < 5:  # frames keep coming: it is live
                received += next(chunks)
            assert JPEG_A in received and b"two" in received
            assert live.viewers == {"A": 1}
            with other.stream("GET", "/api/cameras/A/live.mjpeg", headers=api.tokens["admin"]) as r2:
                chunks2 = r2.iter_bytes()  # kept: a dropped iterator closes its connection
                next(chunks2)
                assert live.viewers == {"A": 2}
            wait_for(lambda: live.viewers["A"] == 1, "the second viewer was still counted after leaving")
            next(chunks)  # the first still streams
        wait_for(lambda: live.viewers["A"] == 0, "the viewer was still counted after the client left")
        # a denied request never counts as a viewer
        assert client.get("/api/cameras/B/live.mjpeg", headers=api.tokens["viewer_a"]).status_code == 403
    assert live.viewers == {"A": 0}
