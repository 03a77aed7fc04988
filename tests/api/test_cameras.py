"""Cameras: health, latest snapshot, MJPEG, counts series, zones and lines read and write."""

from __future__ import annotations

from datetime import timedelta

from api_helpers import JPEG_A, T0, Api

from vigil.auth.testing import assert_422_names_field
from vigil.service.health import CameraHealth


def test_camera_detail_and_health(api: Api) -> None:
    cam = api.get("viewer_a", "/api/cameras/A").json()
    assert cam == {"id": "A", "enabled": True, "zones": ["door"], "lines": ["gate"], "calibrated": False}
    assert api.get("viewer_a", "/api/cameras/A/health").json()["state"] == "online"


def test_health_reports_the_supervisors_view(api: Api) -> None:
    sick = CameraHealth(
        camera="A", state="restarting", pid=None, input_fps=0.0, analysis_fps=0.0, detect_fps=0.0,
        gated_fraction=0.25, lag=None, last_frame_wall=T0.timestamp(), restarts=3,
        last_error="rtsp://10.0.0.1/A: connection refused", reconnects=2,
    )  # fmt: skip
    api.registry.set_health(sick)
    body = api.get("viewer_a", "/api/cameras/A/health").json()
    assert body["state"] == "restarting" and body["online"] is False
    assert (
        body["restarts"] == 3
        and body["reconnects"] == 2
        and body["gated_fraction"] == 0.25
    )
    assert body["last_frame_at"] == "2025-03-01T12:00:00Z"
    assert body["last_error"] == "rtsp://10.0.0.1/A: connection refused"


def test_latest_snapshot_and_mjpeg(api: Api) -> None:
    r = api.get("viewer_a", "/api/cameras/A/snapshot.jpg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.content == JPEG_A
    assert (
        api.get("admin", "/api/cameras/B/snapshot.jpg").status_code == 404
    )  # no frame yet
    live = api.get("viewer_a", "/api/cameras/A/live.mjpeg")
    assert live.headers["content-type"].startswith(
        "multipart/x-mixed-replace; boundary="
    )
    boundary = live.headers["content-type"].split("boundary=")[1]
    parts = live.content.split(f"--{boundary}\r\n".encode())[1:]
    assert len(parts) == 2
    head, _, body = parts[1].partition(b"\r\n\r\n")
    assert b"Content-Type: image/jpeg" in head and body == JPEG_A + b"\r\n"


def test_count_series(api: Api) -> None:
    store = api.deps.events
    for i, n in enumerate([1, 3, 2, 5]):
        store.record_counts("A", {"door": n}, at=T0 + timedelta(seconds=30 * i))
    params = {
        "zone": "door",
        "since": T0.isoformat(),
        "until": (T0 + timedelta(hours=1)).isoformat(),
    }
    body = api.get("viewer_a", "/api/cameras/A/counts", params=params).json()
    assert body["bucket_s"] == 60.0
    assert [
        (b["samples"], b["minimum"], b["maximum"], b["mean"]) for b in body["buckets"]
    ] == [
        (2, 1, 3, 2.0),
        (2, 2, 5, 3.5),
    ]
    assert (
        api.get(
            "viewer_a", "/api/cameras/A/counts", params={**params, "zone": "hall"}
        ).json()["buckets"]
        == []
    )
    bad = {**params, "until": (T0 - timedelta(hours=1)).isoformat()}
    assert_422_names_field(
        api.get("viewer_a", "/api/cameras/A/counts", params=bad), "until"
    )
    assert_422_names_field(
        api.get("viewer_a", "/api/cameras/A/counts", params={**params, "bucket": 0}),
        "bucket",
    )
    assert_422_names_field(api.get("viewer_a", "/api/cameras/A/counts"), "zone")


GOOD = {
    "zones": [
        {"name": "door", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]},
        {"name": "hall", "points": [[0, 0], [0.2, 0], [0, 0.2]]},
    ],
    "lines": [],
}


def test_geometry_read_and_replace_by_admin(api: Api) -> None:
    got = api.get("viewer_a", "/api/cameras/A/geometry").json()
    assert [z["name"] for z in got["zones"]] == ["door"] and [
        x["name"] for x in got["lines"]
    ] == ["gate"]
    assert api.put("viewer_a", "/api/cameras/A/geometry", json=GOOD).status_code == 403
    assert (
        api.put("operator_a", "/api/cameras/A/geometry", json=GOOD).status_code == 403
    )
    r = api.put("admin", "/api/cameras/A/geometry", json=GOOD)
    assert r.status_code == 200, r.text
    assert [z["name"] for z in r.json()["zones"]] == ["door", "hall"]
    ((camera, cfg),) = api.registry.applied
    assert (
        camera == "A"
        and [z.name for z in cfg.zones] == ["door", "hall"]
        and cfg.lines == ()
    )
    assert (
        cfg.source == "rtsp://10.0.0.1/A" and len(cfg.rules) == 1
    )  # the rest of the config kept
    assert [
        z["name"]
        for z in api.get("viewer_a", "/api/cameras/A/geometry").json()["zones"]
    ] == ["door", "hall"]
    audit = api.deps.auth.list_audit()
    assert any(
        a.action == "camera.geometry"
        and a.target == "camera A"
        and a.actor.startswith("admin")
        for a in audit
    )


def test_bad_geometry_is_422_naming_the_field_and_not_applied(api: Api) -> None:
    url = "/api/cameras/A/geometry"
    bowtie = {"zones": [{"name": "door", "points": [[0, 0], [1, 1], [1, 0], [0, 1]]}]}
    assert_422_names_field(api.put("admin", url, json=bowtie), "points")
    out_of_frame = {"zones": [{"name": "door", "points": [[0, 0], [1.5, 0], [1, 1]]}]}
    assert_422_names_field(api.put("admin", url, json=out_of_frame), "points")
    two_points = {"zones": [{"name": "door", "points": [[0, 0], [1, 1]]}]}
    assert_422_names_field(api.put("admin", url, json=two_points), "points")
    short_line = {
        "lines": [{"name": "gate", "points": [[0.5, 0.5], [0.5, 0.5]]}],
        "zones": GOOD["zones"],
    }
    assert_422_names_field(api.put("admin", url, json=short_line), "points")
    dup = {"zones": [GOOD["zones"][0], GOOD["zones"][0]]}
    assert_422_names_field(api.put("admin", url, json=dup), "name")
    # the gathering rule names zone "door": removing it is refused, naming the rule's field
    r = api.put("admin", url, json={"zones": [GOOD["zones"][1]]})
    assert_422_names_field(r, "zone")
    assert ["rules", 0] == [
        p for p in r.json()["detail"][0]["loc"] if p in ("rules", 0)
    ]
    assert api.registry.applied == []
