"""Find a detector model file: local copies first, else a verified download.

``resolve_model(name_or_path)`` looks, in order, at

1. an explicit path (anything ending in ``.onnx`` or holding a folder separator),
2. ``model_dir`` (the detector config's ``model_dir``),
3. ``$VIGIL_MODELS``,
4. the cache, ``$VIGIL_CACHE/models`` (default ``~/.cache/vigil/models``),
5. a download of the upstream release asset into the cache.

Local files (1-4) are used as they are: a user may hold an equivalent export whose
bytes differ from upstream's. A download is checked against the pinned SHA-256
before it is moved into place (temporary file in the cache folder, then an atomic
rename), so the cache only ever holds complete, verified downloads or files a user
put there. A model whose hash is not pinned is never downloaded.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vigil._download import cache_root, download_verified, sha256_file
from vigil.errors import ModelInvalidError, ModelNotFoundError

log = logging.getLogger(__name__)

YOLOX_RELEASE = "https://github.com/Megvii-BaseDetection/YOLOX/releases/download/0.1.1rc0"
__all__ = ["MODELS", "ModelSpec", "default_cache_dir", "lookup_spec", "resolve_model", "sha256_file"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A named model: its file name, where upstream publishes it, and how to check it.

    sha256: hex digest of the release asset, or None when no trustworthy pin is known
    (then it is never downloaded). size: bytes, when known. input_size: the side in
    pixels the model was trained and exported for.
    """

    name: str
    filename: str
    url: str
    sha256: str | None
    size: int | None
    input_size: int


def _yolox(name: str, sha256: str | None, size: int | None, input_size: int) -> ModelSpec:
    filename = name.replace("-", "_") + ".onnx"
    return ModelSpec(name, filename, f"{YOLOX_RELEASE}/{filename}", sha256, size, input_size)


# Megvii-BaseDetection/YOLOX release 0.1.1rc0 (Apache-2.0). The digests and sizes are the
# ones independent public projects pin for these exact URLs (each seen in several).
MODELS: Mapping[str, ModelSpec] = {
    s.name: s
    for s in (
        _yolox("yolox-nano", "c789161ed43c8269fcd4e67c67eeeb4e80c622da2eb296a20bc6007bd18a0b7d", 3_659_407, 416),
        _yolox("yolox-tiny", "427cc366d34e27ff7a03e2899b5e3671425c262ea2291f88bb942bc1cc70b0f7", 20_219_662, 416),
        _yolox("yolox-s", "c5c2d13e59ae883e6af3b45daea64af4833a4951c92d116ec270d9ddbe998063", 35_858_002, 640),
        _yolox("yolox-m", "21ff6cfdeb53b013bac2249599e55f00bff3cfdfdab37ed7a4620818c1d15b3f", 101_259_744, 640),
        _yolox("yolox-l", "7860ae79de6c89a3c1eb72ae9a2756c0ccfbe04b7791bb5880afabd97855a411", 216_746_733, 640),
        _yolox("yolox-x", "c892d7aaf1c4746d8a4d675bec669a4db4f434b4ee1efb654bc9b353379c7c55", 396_142_663, 640),
    )
}


def default_cache_dir() -> Path:
    """``$VIGIL_CACHE/models``, else ``$XDG_CACHE_HOME/vigil/models``, else ``~/.cache/vigil/models``."""
    return cache_root() / "models"


def _looks_like_path(text: str) -> bool:
    return text.lower().endswith(".onnx") or "/" in text or os.sep in text


def lookup_spec(name: str, catalog: Mapping[str, ModelSpec] | None = None) -> ModelSpec | None:
    """The catalog entry for ``name`` (``yolox-nano``, ``yolox_nano``, ``yolox_nano.onnx``), or None."""
    table = MODELS if catalog is None else catalog
    key = name.strip().lower()
    key = key.removesuffix(".onnx")
    key = key.replace("_", "-")
    return table.get(key)


def resolve_model(
    name_or_path: str | Path,
    model_dir: str | Path | None = None,
    cache_dir: str | Path | None = None,
    download: bool = True,
    *,
    catalog: Mapping[str, ModelSpec] | None = None,
    timeout: float = 30.0,
) -> Path:
    """The path of a usable model file for ``name_or_path`` (see the module doc for the order).

    catalog: name -> ModelSpec table (default :data:`MODELS`; tests point it at a local
    server). Raises ModelNotFoundError when there is no local copy and no download (not
    allowed, unreachable, or no pinned hash), ModelInvalidError when a download does not
    match its hash (the file is deleted).
    """
    table = MODELS if catalog is None else catalog
    text = str(name_or_path)
    spec = lookup_spec(Path(text).name if _looks_like_path(text) else text, table)

    if _looks_like_path(text) or isinstance(name_or_path, Path):
        path = Path(text).expanduser()
        if path.is_file():
            return path.resolve()
        if spec is None or path.parent != Path("."):
            raise ModelNotFoundError(f"model file {path} does not exist")
    if spec is None:
        known = ", ".join(table)
        close = difflib.get_close_matches(text.lower(), list(table), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ModelNotFoundError(
            f"unknown detector model {text!r}{hint}; use one of {known} or a path to an .onnx file"
        )

    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    for folder in _search_dirs(model_dir, cache):
        candidate = folder / spec.filename
        if candidate.is_file():
            log.debug("model %s found at %s", spec.name, candidate)
            return candidate.resolve()

    target = cache / spec.filename
    if not download:
        raise ModelNotFoundError(f"{_missing(spec, target)} (downloads are disabled)")
    if spec.sha256 is None:
        raise ModelNotFoundError(
            f"{_missing(spec, target)}; it is not downloaded automatically because no SHA-256 is pinned for it"
        )
    return _download(spec, target, timeout)


def _search_dirs(model_dir: str | Path | None, cache: Path) -> list[Path]:
    dirs: list[Path] = []
    if model_dir is not None:
        d = Path(model_dir).expanduser()
        if not d.is_dir():
            log.warning("model_dir %s is not a folder; ignoring it", d)
        dirs.append(d)
    env = os.environ.get("VIGIL_MODELS")
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(cache)
    return dirs


def _missing(spec: ModelSpec, target: Path) -> str:
    return (
        f"detector model {spec.name} ({spec.filename}) is not available locally: download {spec.url} "
        f"and put it at {target}, or in a folder named by VIGIL_MODELS or the detector's model_dir"
    )


def _download(spec: ModelSpec, target: Path, timeout: float) -> Path:
    """Fetch ``spec.url`` to ``target`` through a temporary file, checking its SHA-256."""
    assert spec.sha256 is not None
    return download_verified(
        spec.url, target, spec.sha256, missing=_missing(spec, target), unavailable=ModelNotFoundError,
        invalid=ModelInvalidError, size=spec.size, timeout=timeout, logger=log,
    )  # fmt: skip
