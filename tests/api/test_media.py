"""Clip and snapshot downloads: content types, HTTP Range (206), no paths outside the data dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import T0, Api, make_event


@pytest.fixture
def event_with_media(api: Api) -> str:
    store, data = api.deps.events, api.deps.data_dir
    eid = store.record(make_event("A"), at=T0)
    (data / "clips").mkdir()
    (data / "clips" / "c.mp4").write_bytes(bytes(range(256)) * 40)  # 10240 bytes
    (data / "snaps").mkdir()
    (data / "snaps" / "s.jpg").write_bytes(b"\xff\xd8snapshot\xff\xd9")
    store.attach_media(eid, "snapshot", "snaps/s.jpg", T0)
    store.attach_media(eid, "clip", "clips/c.mp4", T0, ended_at=T0)
    return eid


def test_media_list_and_downloads(api: Api, event_with_media: str) -> None:
    eid = event_with_media
    listed = api.get("viewer_a", f"/api/events/{eid}/media").json()
    assert [(m["kind"], m["url"]) for m in listed] == [
        ("snapshot", f"/api/events/{eid}/media/0"),
        ("clip", f"/api/events/{eid}/media/1"),
    ]
    snap = api.get("viewer_a", listed[0]["url"])
    assert snap.status_code == 200
    assert snap.headers["content-type"] == "image/jpeg"
    assert snap.content == b"\xff\xd8snapshot\xff\xd9"
    clip = api.get("viewer_a", listed[1]["url"])
    assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
    assert clip.headers["accept-ranges"] == "bytes" and len(clip.content) == 10240
    assert api.get("viewer_a", f"/api/events/{eid}/media/2").status_code == 404
    assert api.get("viewer_a", f"/api/events/{eid}/media/-1").status_code == 422


def test_range_request_returns_206_with_the_bytes(
    api: Api, event_with_media: str
) -> None:
    url = f"/api/events/{event_with_media}/media/1"
    r = api.get("viewer_a", url, headers={"Range": "bytes=256-511"})
    assert r.status_code == 206
    assert r.headers["content-range"] == "bytes 256-511/10240"
    assert r.content == bytes(range(256))
    tail = api.get("viewer_a", url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == bytes(range(246, 256))
    bad = api.get("viewer_a", url, headers={"Range": "bytes=20000-"})
    assert bad.status_code == 416


@pytest.mark.parametrize(
    "path", ["../outside.mp4", "/etc/hostname", "clips/../../outside.mp4", "link.mp4"]
)
def test_paths_outside_the_data_dir_are_not_served(
    api: Api, path: str, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"secret")
    (api.deps.data_dir / "link.mp4").symlink_to(outside)
    eid = api.deps.events.record(make_event("A"), at=T0)
    api.deps.events.attach_media(eid, "clip", path, T0)
    r = api.get("admin", f"/api/events/{eid}/media/0")
    assert r.status_code == 404
    assert b"secret" not in r.content


def test_missing_file_is_404(api: Api) -> None:
    eid = api.deps.events.record(make_event("A"), at=T0)
    api.deps.events.attach_media(eid, "clip", "clips/gone.mp4", T0)
    assert api.get("admin", f"/api/events/{eid}/media/0").status_code == 404
