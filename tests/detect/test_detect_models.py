"""Model resolution: local folders in order, verified downloads from a loopback server, clear errors.

No test here touches the network: downloads go to a local http.server on 127.0.0.1,
through a catalog pointed at it.
"""

from __future__ import annotations

import hashlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fileserver import FileServer

from vigil.detect.models import (
    MODELS,
    YOLOX_RELEASE,
    ModelSpec,
    default_cache_dir,
    resolve_model,
)
from vigil.errors import ModelInvalidError, ModelNotFoundError

PAYLOAD = b"pretend-onnx-weights " * 100_000  # 2.1 MB: several read chunks


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts without VIGIL_MODELS and with the cache under tmp_path."""
    monkeypatch.delenv("VIGIL_MODELS", raising=False)
    monkeypatch.setenv("VIGIL_CACHE", str(tmp_path / "vigil-cache"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FileServer]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "yolox_nano.onnx").write_bytes(PAYLOAD)
    s = FileServer(root)
    yield s
    s.close()


def _catalog(base_url: str, sha256: str | None) -> dict[str, ModelSpec]:
    spec = ModelSpec("yolox-nano", "yolox_nano.onnx", f"{base_url}/yolox_nano.onnx", sha256, len(PAYLOAD), 416)
    return {spec.name: spec}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_catalog_pins_every_yolox_release_asset() -> None:
    assert list(MODELS) == ["yolox-nano", "yolox-tiny", "yolox-s", "yolox-m", "yolox-l", "yolox-x"]
    for name, spec in MODELS.items():
        assert spec.url == f"{YOLOX_RELEASE}/{name.replace('-', '_')}.onnx"
        assert YOLOX_RELEASE.endswith("/0.1.1rc0")
        assert spec.sha256 is not None and len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
    nano = MODELS["yolox-nano"]
    assert nano.sha256 == "c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d"
    assert nano.size == 3_659_407
    assert [s.input_size for s in MODELS.values()] == [416, 416, 640, 640, 640, 640]


@pytest.mark.parametrize("name", ["yolox-nano", "yolox_nano", "YOLOX-Nano", "yolox_nano.onnx"])
def test_a_name_is_found_in_model_dir(tmp_path: Path, name: str) -> None:
    d = tmp_path / "models"
    d.mkdir()
    (d / "yolox_nano.onnx").write_bytes(b"local copy, taken as given")
    assert resolve_model(name, model_dir=d, download=False) == (d / "yolox_nano.onnx").resolve()


def test_search_order_is_model_dir_then_vigil_models_then_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dirs = {k: tmp_path / k for k in ("config", "env", "cache")}
    for d in dirs.values():
        d.mkdir()
        (d / "yolox_tiny.onnx").write_bytes(d.name.encode())
    monkeypatch.setenv("VIGIL_MODELS", str(dirs["env"]))

    def found(model_dir: Path | None = None) -> str:
        return resolve_model("yolox-tiny", model_dir, cache_dir=dirs["cache"], download=False).parent.name

    assert found(dirs["config"]) == "config"
    assert found() == "env"
    monkeypatch.delenv("VIGIL_MODELS")
    assert found(tmp_path / "missing-folder") == "cache"


def test_default_cache_dir_follows_vigil_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "models"
    monkeypatch.delenv("VIGIL_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "vigil" / "models"
    (tmp_path / "c" / "models").mkdir(parents=True)
    (tmp_path / "xdg" / "vigil" / "models").mkdir(parents=True)
    (tmp_path / "xdg" / "vigil" / "models" / "yolox_s.onnx").write_bytes(b"x")
    assert resolve_model("yolox-s", download=False).parent == (tmp_path / "xdg" / "vigil" / "models").resolve()


def test_an_explicit_path_is_used_as_given(tmp_path: Path) -> None:
    p = tmp_path / "custom export.onnx"
    p.write_bytes(b"whatever")
    assert resolve_model(str(p), download=False) == p.resolve()
    assert resolve_model(p, download=False) == p.resolve()


def test_a_missing_explicit_path_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"model file .*nope[/\\]yolox_nano\.onnx does not exist"):
        resolve_model(str(tmp_path / "nope" / "yolox_nano.onnx"))


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ModelNotFoundError, match=r"unknown detector model 'yolox-nanoo'.*did you mean 'yolox-nano'"):
        resolve_model("yolox-nanoo")
    with pytest.raises(ModelNotFoundError, match=r"yolox-nano, yolox-tiny, yolox-s, yolox-m, yolox-l, yolox-x"):
        resolve_model("yolo-v8")


def test_offline_without_a_local_copy_says_what_to_fetch_and_where(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(ModelNotFoundError) as e:
        resolve_model("yolox-m", cache_dir=cache, download=False)
    msg = str(e.value)
    assert "yolox_m.onnx" in msg
    assert f"{YOLOX_RELEASE}/yolox_m.onnx" in msg
    assert str(cache / "yolox_m.onnx") in msg
    assert "VIGIL_MODELS" in msg


def test_download_with_the_right_hash_lands_in_the_cache(
    tmp_path: Path, server: FileServer, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    catalog = _catalog(server.url, hashlib.sha256(PAYLOAD).hexdigest())
    with caplog.at_level(logging.INFO, logger="vigil.detect.models"):
        path = resolve_model("yolox-nano", cache_dir=cache, catalog=catalog)
    assert any("100%" in r.getMessage() for r in caplog.records)  # progress was reported
    assert path == (cache / "yolox_nano.onnx").resolve()
    assert path.read_bytes() == PAYLOAD
    assert sorted(p.name for p in cache.iterdir()) == ["yolox_nano.onnx"]  # no temporary file left
    assert server.hits == 1
    assert resolve_model("yolox-nano", cache_dir=cache, catalog=catalog) == path  # cached now
    assert server.hits == 1


def test_download_with_the_wrong_hash_is_deleted_and_invalid(tmp_path: Path, server: FileServer) -> None:
    cache = tmp_path / "cache"
    catalog = _catalog(server.url, "0" * 64)
    with pytest.raises(ModelInvalidError, match=r"yolox_nano\.onnx does not match its pinned hash.*deleted"):
        resolve_model("yolox-nano", cache_dir=cache, catalog=catalog)
    assert list(cache.iterdir()) == []
    assert server.hits == 1


def test_unreachable_server_is_not_found_with_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    cache = tmp_path / "cache"
    with pytest.raises(ModelNotFoundError, match=r"download .*127\.0\.0\.1.*yolox_nano\.onnx.*download failed"):
        resolve_model("yolox-nano", cache_dir=cache, catalog=_catalog(url, "0" * 64), timeout=5.0)
    assert list(cache.iterdir()) == []


def test_missing_asset_on_the_server_is_not_found(tmp_path: Path, server: FileServer) -> None:
    catalog = {"yolox-s": ModelSpec("yolox-s", "yolox_s.onnx", f"{server.url}/yolox_s.onnx", "0" * 64, None, 640)}
    with pytest.raises(ModelNotFoundError, match=r"404"):
        resolve_model("yolox-s", cache_dir=tmp_path / "cache", catalog=catalog)


def test_a_model_without_a_pinned_hash_is_never_downloaded(tmp_path: Path, server: FileServer) -> None:
    with pytest.raises(ModelNotFoundError, match=r"no SHA-256 is pinned"):
        resolve_model("yolox-nano", cache_dir=tmp_path / "cache", catalog=_catalog(server.url, None))
    assert server.hits == 0
    d = tmp_path / "mine"
    d.mkdir()
    (d / "yolox_nano.onnx").write_bytes(b"user supplied")
    assert resolve_model("yolox-nano", model_dir=d, catalog=_catalog(server.url, None)).parent == d.resolve()
