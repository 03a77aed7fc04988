"""The demo camera: OpenCV's sample pedestrian video, and the example config that plays it.

``demo_video()`` returns a local path of ``vtest.avi``, looking in order at

1. ``$VIGIL_DEMO_VIDEO`` (a local file, used as it is),
2. the cache, ``$VIGIL_CACHE/demo`` (default ``~/.cache/vigil/demo``),
3. a download from upstream into the cache, checked against the pinned SHA-256.

Offline with neither, the error says what to do. ``demo_config_path()`` is the packaged
example config (``vigil serve --demo``); its camera's source is ``demo:vtest``, which
``vigil.sources`` resolves through ``demo_video()``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from vigil._download import cache_root, download_verified
from vigil.errors import ConfigError, SourceError, SourceNotFoundError

if TYPE_CHECKING:
    from vigil.config.service import CameraConfig

log = logging.getLogger(__name__)

ENV_VIDEO = "VIGIL_DEMO_VIDEO"
SCHEME = "demo:"


@dataclass(frozen=True, slots=True)
class DemoVideo:
    """A demo video: its file name, where upstream publishes it, its SHA-256 and size in bytes."""

    name: str
    filename: str
    url: str
    sha256: str
    size: int


# opencv/opencv samples/data/vtest.avi (Apache-2.0 source tree; PETS 2009 S2.L1 footage):
# 795 frames, 768x576, MS-MPEG4v3 in AVI, 10 frames/s. The digest is that of the copy in
# Debian's opencv-doc 4.6.0, which independent public projects pin for this same URL.
VTEST = DemoVideo(
    name="vtest",
    filename="vtest.avi",
    url="https://raw.githubusercontent.com/opencv/opencv/4.x/samples/data/vtest.avi",
    sha256="45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf",
    size=8_131_690,
)

DEMO_VIDEOS: Mapping[str, DemoVideo] = {VTEST.name: VTEST}


def default_demo_dir() -> Path:
    """``$VIGIL_CACHE/demo``, else ``$XDG_CACHE_HOME/vigil/demo``, else ``~/.cache/vigil/demo``."""
    return cache_root() / "demo"


def demo_video(
    cache_dir: Path | None = None,
    *,
    video: DemoVideo = VTEST,
    download: bool = True,
    timeout: float = 60.0,
) -> Path:
    """A local path of the demo video (see the module doc for the order).

    cache_dir: where a download goes and is looked for (default :func:`default_demo_dir`).
    video: which demo video (tests point its URL at a local server). download: False
    never touches the network. Raises SourceNotFoundError when there is no local copy
    and it cannot be downloaded, SourceError when a download does not match its pinned
    hash (the download is deleted) or ``$VIGIL_DEMO_VIDEO`` names no file.
    """
    env = os.environ.get(ENV_VIDEO)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise SourceNotFoundError(
                f"{ENV_VIDEO}={env}: no such file; point it at a local copy of {video.filename} "
                f"(from {video.url}) or unset it to use the cache"
            )
        log.debug("demo video from %s: %s", ENV_VIDEO, path)
        return path.resolve()
    cache = Path(cache_dir).expanduser() if cache_dir is not None else default_demo_dir()
    target = cache / video.filename
    if target.is_file():
        log.debug("demo video %s found at %s", video.name, target)
        return target.resolve()
    missing = _missing(video, target)
    if not download:
        raise SourceNotFoundError(f"{missing} (downloads are disabled)")
    return download_verified(
        video.url, target, video.sha256, missing=missing, unavailable=SourceNotFoundError, invalid=SourceError,
        size=video.size, timeout=timeout, logger=log,
    )  # fmt: skip


def _missing(video: DemoVideo, target: Path) -> str:
    return (
        f"the demo video {video.filename} is not available and could not be fetched: set {ENV_VIDEO} to a local "
        f"copy, or put the file at {target} (download it from {video.url}, sha256 {video.sha256})"
    )


def resolve_demo_source(spec: str, cache_dir: Path | None = None) -> Path:
    """The local video file for a ``demo:NAME`` source string (``demo:vtest``)."""
    name = spec.strip()[len(SCHEME) :].strip().lower()
    video = DEMO_VIDEOS.get(name)
    if video is None:
        known = ", ".join(f"{SCHEME}{n}" for n in DEMO_VIDEOS)
        raise SourceError(f"{spec.strip()}: unknown demo video {name!r}; use one of {known}")
    try:
        return demo_video(cache_dir, video=video)
    except SourceError as e:
        raise type(e)(f"{spec.strip()}: {e}") from e


def fetch_demo_sources(cameras: Iterable[CameraConfig]) -> dict[str, Path]:
    """Resolve the demo video of every enabled camera whose source is ``demo:NAME``, once, here.

    Call it in the parent before starting workers: a first-time download then happens once
    (not in every worker, where it would count against the stall timeout), and a user
    without the video learns at once what to do. Returns camera name -> local file; the
    error names the camera and its source.
    """
    found: dict[str, Path] = {}
    for cam in cameras:
        if cam.enabled and cam.source.strip().lower().startswith(SCHEME):
            try:
                found[cam.camera] = resolve_demo_source(cam.source)
            except SourceError as e:
                raise type(e)(f"camera {cam.camera}: {e}") from e
    return found


def demo_config_path() -> Path:
    """The packaged example config (one looping demo camera) that ``vigil serve --demo`` runs."""
    path = Path(str(resources.files("vigil.examples").joinpath("demo.yaml")))
    if not path.is_file():
        raise ConfigError(f"{path}: the packaged demo config is missing (reinstall vigil)")
    return path
