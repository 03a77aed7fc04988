"""The demo video: local path, cache, verified download, and what an offline user is told.

No test here touches the network: downloads go to a local http.server on 127.0.0.1
through a DemoVideo pointed at it.
"""

from __future__ import annotations

import hashlib
import itertools
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
from fileserver import FileServer

from vigil.config.loader import load_yaml
from vigil.config.service import ServiceConfig
from vigil.demo import (
    VTEST,
    DemoVideo,
    default_demo_dir,
    demo_config_path,
    demo_video,
    fetch_demo_sources,
)
from vigil.errors import SourceError, SourceNotFoundError
from vigil.sources import open_source, parse_spec

PAYLOAD = b"pretend-avi-bytes " * 120_000  # 2.2 MB: several read chunks


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts without VIGIL_DEMO_VIDEO and with the cache under tmp_path."""
    monkeypatch.delenv("VIGIL_DEMO_VIDEO", raising=False)
    monkeypatch.setenv("VIGIL_CACHE", str(tmp_path / "vigil-cache"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FileServer]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "vtest.avi").write_bytes(PAYLOAD)
    s = FileServer(root)
    yield s
    s.close()


def _video(url: str, sha256: str) -> DemoVideo:
    return replace(VTEST, url=f"{url}/vtest.avi", sha256=sha256, size=len(PAYLOAD))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_clip(path: Path, frames: int = 6, fps: int = 10) -> None:
    """A tiny real video: ``frames`` grey frames of 64x48 whose brightness is the index."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            img = np.full((48, 64, 3), 40 * i, np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="bgr24")))
        out.mux(stream.encode())


def test_the_pinned_upstream_file() -> None:
    assert VTEST.url == "https://raw.githubusercontent.com/opencv/opencv/4.x/samples/data/vtest.avi"
    assert VTEST.sha256 == "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf"
    assert VTEST.size == 8_131_690


def test_the_pin_matches_the_shared_copy(data_dir: Path) -> None:
    shared = data_dir / "videos" / "vtest.avi"
    if not shared.is_file():
        pytest.skip(f"{shared} not found")
    assert shared.stat().st_size == VTEST.size
    assert hashlib.sha256(shared.read_bytes()).hexdigest() == VTEST.sha256


def test_vigil_demo_video_names_a_local_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FileServer) -> None:
    mine = tmp_path / "my copy.avi"
    mine.write_bytes(b"any bytes: a local copy is taken as given")
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(mine))
    assert demo_video(tmp_path / "cache", video=_video(server.url, "0" * 64)) == mine.resolve()
    assert server.hits == 0


def test_vigil_demo_video_naming_no_file_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(tmp_path / "gone.avi"))
    with pytest.raises(SourceNotFoundError, match=r"VIGIL_DEMO_VIDEO=.*gone\.avi: no such file"):
        demo_video(tmp_path / "cache")


def test_a_cached_copy_is_used_without_downloading(tmp_path: Path, server: FileServer) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "vtest.avi").write_bytes(b"cached")
    assert demo_video(cache, video=_video(server.url, "0" * 64)) == (cache / "vtest.avi").resolve()
    assert server.hits == 0


def test_the_default_cache_follows_vigil_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_demo_dir() == tmp_path / "vigil-cache" / "demo"
    monkeypatch.delenv("VIGIL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_demo_dir() == tmp_path / "xdg" / "vigil" / "demo"
    (tmp_path / "xdg" / "vigil" / "demo").mkdir(parents=True)
    (tmp_path / "xdg" / "vigil" / "demo" / "vtest.avi").write_bytes(b"x")
    assert demo_video(download=False) == (tmp_path / "xdg" / "vigil" / "demo" / "vtest.avi").resolve()


def test_a_download_with_the_right_hash_lands_in_the_cache(tmp_path: Path, server: FileServer) -> None:
    cache = tmp_path / "cache"
    video = _video(server.url, hashlib.sha256(PAYLOAD).hexdigest())
    path = demo_video(cache, video=video)
    assert path == (cache / "vtest.avi").resolve()
    assert path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in cache.iterdir()) == ["vtest.avi"]  # no temporary file left
    assert demo_video(cache, video=video) == path
    assert server.hits == 1


def test_a_download_with_the_wrong_hash_is_deleted(tmp_path: Path, server: FileServer) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(SourceError, match=r"vtest\.avi does not match its pinned hash: got sha256 .*deleted"):
        demo_video(cache, video=_video(server.url, "0" * 64))
    assert list(cache.iterdir()) == []
    assert server.hits == 1


def test_offline_without_a_copy_says_what_to_do(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    video = _video(f"http://127.0.0.1:{_free_port()}", "0" * 64)
    with pytest.raises(SourceNotFoundError) as e:
        demo_video(cache, video=video, timeout=5.0)
    msg = str(e.value)
    assert "set VIGIL_DEMO_VIDEO to a local copy" in msg
    assert f"put the file at {cache / 'vtest.avi'}" in msg
    assert video.url in msg
    assert "download failed" in msg
    assert list(cache.iterdir()) == []


def test_downloads_can_be_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match=r"VIGIL_DEMO_VIDEO.*downloads are disabled"):
        demo_video(tmp_path / "cache", download=False)


def test_demo_source_spec_resolves_to_the_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = tmp_path / "clip.avi"
    clip.write_bytes(b"x")
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(clip))
    s = parse_spec(" demo:vtest ")
    assert (s.kind, s.target, s.display, s.name) == ("file", str(clip.resolve()), "demo:vtest", "vtest")


def test_an_unresolvable_demo_source_names_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SourceError, match=r"^demo:tv: unknown demo video 'tv'; use one of demo:vtest$"):
        parse_spec("demo:tv")
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(tmp_path / "gone.avi"))
    with pytest.raises(SourceNotFoundError, match=r"^demo:vtest: VIGIL_DEMO_VIDEO=.*gone\.avi: no such file"):
        open_source("demo:vtest", loop=None)


def test_a_looping_demo_source_plays_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = tmp_path / "clip.avi"
    _write_clip(clip, frames=6, fps=10)
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(clip))
    with open_source("demo:vtest", loop=None, name="demo") as source:
        frames = [source.read() for _ in range(15)]
    assert all(f is not None for f in frames)
    pts = [f.pts for f in frames if f is not None]
    assert all(b > a for a, b in itertools.pairwise(pts))  # time goes on across passes
    assert pts[-1] == pytest.approx(1.4, abs=1e-6)
    levels = [int(f.image.mean()) for f in frames if f is not None]
    assert levels[6] == pytest.approx(levels[0], abs=3)  # the second pass starts the clip again


def test_the_demo_config_validates() -> None:
    path = demo_config_path()
    assert path.name == "demo.yaml" and path.is_file()
    cfg = load_yaml(path, ServiceConfig)
    assert (cfg.server.host, cfg.server.port) == ("127.0.0.1", 8971)
    assert str(cfg.storage.data_dir) == "vigil-data"
    assert cfg.outputs.mqtt is None and cfg.outputs.webhooks == ()
    (cam,) = cfg.cameras
    assert (cam.camera, cam.source, cam.loop, cam.fps) == ("demo", "demo:vtest", True, 5.0)
    assert cam.recording.enabled
    assert [z.name for z in cam.zones] == ["square"] and [ln.name for ln in cam.lines] == ["footpath"]
    kinds = {r.type for r in cam.rules}
    assert {"line_crossing", "zone_enter", "loitering", "gathering", "overcrowding"} <= kinds


def test_demo_sources_are_fetched_once_in_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = tmp_path / "clip.avi"
    clip.write_bytes(b"x")
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(clip))
    cams = load_yaml(demo_config_path(), ServiceConfig).cameras
    other = cams[0].model_copy(update={"camera": "door", "source": "rtsp://10.0.0.5/stream"})
    off = cams[0].model_copy(update={"camera": "off", "enabled": False, "source": "demo:tv"})
    assert fetch_demo_sources([*cams, other, off]) == {"demo": clip.resolve()}
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(tmp_path / "gone.avi"))
    with pytest.raises(SourceNotFoundError, match=r"^camera demo: demo:vtest: VIGIL_DEMO_VIDEO=.*gone\.avi: no such file"):
        fetch_demo_sources(cams)
