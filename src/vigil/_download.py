"""Shared by everything Vigil fetches from upstream (detector models, the demo video).

``cache_root()`` is where verified downloads live; ``download_verified`` fetches a URL
into place only when its SHA-256 matches the pinned one: the bytes go to a temporary
file in the target folder and are renamed into place after the check, so the cache
only ever holds complete, verified downloads (or files a user put there).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from vigil.errors import VigilError

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_PROGRESS_STEP = 0.1  # log every 10 % of a download


def cache_root() -> Path:
    """``$VIGIL_CACHE``, else ``$XDG_CACHE_HOME/vigil``, else ``~/.cache/vigil``."""
    env = os.environ.get("VIGIL_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "vigil"


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def download_verified(
    url: str,
    target: Path,
    sha256: str,
    *,
    missing: str,
    unavailable: type[VigilError],
    invalid: type[VigilError],
    size: int | None = None,
    timeout: float = 30.0,
    logger: logging.Logger | None = None,
) -> Path:
    """Fetch ``url`` to ``target`` through a temporary file, checking its SHA-256.

    missing: what the caller would tell a user who has no copy (starts every "could
    not download" message). unavailable: raised when the folder cannot be made or the
    download fails; invalid: raised when the bytes do not match ``sha256`` (the partial
    file is deleted). size: expected bytes, for progress when the server sends no
    Content-Length. logger: where progress goes (default: this module's).
    """
    out_log = logger or log
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise unavailable(f"{missing}; cannot create the cache folder: {e}") from e
    out_log.info("downloading %s from %s to %s", target.name, url, target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as e:
        raise unavailable(f"{missing}; cannot write in the cache folder: {e}") from e
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        got = 0
        started = time.monotonic()
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    total = int(resp.headers.get("Content-Length") or size or 0)
                    next_report = _PROGRESS_STEP
                    while chunk := resp.read(_CHUNK):
                        out.write(chunk)
                        h.update(chunk)
                        got += len(chunk)
                        if total and got / total >= next_report:
                            out_log.info("%s: %d%% of %.1f MB", target.name, 100 * got // total, total / 1e6)
                            next_report += _PROGRESS_STEP
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
                raise unavailable(f"{missing}; the download failed: {e}") from e
        digest = h.hexdigest()
        if digest != sha256:
            raise invalid(
                f"download of {url} does not match its pinned hash: got sha256 {digest} ({got} bytes), "
                f"expected {sha256}; the downloaded file was deleted"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    out_log.info("downloaded %s (%.1f MB in %.1f s)", target, got / 1e6, time.monotonic() - started)
    return target.resolve()
