"""Reading a source string: which kind of source it names, and what to open."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from vigil.demo import SCHEME as DEMO_SCHEME
from vigil.demo import resolve_demo_source
from vigil.errors import SourceError
from vigil.redaction import redact

Kind = Literal["file", "folder", "rtsp", "http", "stream", "webcam"]

# Paths of these kinds behind an http(s) URL are files to read whole, not live streams.
VIDEO_FILE_SUFFIXES = frozenset({".mp4", ".m4v", ".mkv", ".webm", ".mov", ".avi", ".mpg", ".mpeg", ".ts", ".flv"})
_OTHER_LIVE_SCHEMES = frozenset({"rtmp", "rtmps", "srt", "udp", "tcp", "rtp"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_WEBCAM = re.compile(r"^webcam:(.*)$", re.IGNORECASE)
_DEV_VIDEO = re.compile(r"^/dev/video(\d+)$")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """kind: what to open; target: the path/URL/device handed to the opener;
    display: how messages name it (credentials masked); name: a short default camera name;
    format: the FFmpeg input format to force (webcams), or None."""

    kind: Kind
    target: str
    display: str
    name: str
    format: str | None = None


def parse_spec(spec: str) -> SourceSpec:
    """Classify a source string: file path, folder, rtsp(s)://, http(s)://, webcam:N, /dev/videoN,
    or ``demo:vtest`` (the demo video, resolved to a local file through vigil.demo: it may be
    downloaded into the cache the first time)."""
    text = spec.strip()
    if not text:
        raise SourceError("the source is empty: give a video file, image folder, URL or webcam:N")
    if text.lower().startswith(DEMO_SCHEME):
        path = resolve_demo_source(text)
        return SourceSpec("file", str(path), text, text[len(DEMO_SCHEME) :].strip().lower())
    display = redact(text)
    m = _SCHEME.match(text)
    if m:
        scheme = m.group(1).lower()
        parts = urlsplit(text)
        host = parts.hostname or display
        if scheme in ("rtsp", "rtsps"):
            return SourceSpec("rtsp", text, display, host)
        if scheme in ("http", "https"):
            if Path(unquote(parts.path)).suffix.lower() in VIDEO_FILE_SUFFIXES:
                return SourceSpec("file", text, display, Path(unquote(parts.path)).stem or host)
            return SourceSpec("http", text, display, host)
        if scheme == "file":
            return _local(unquote(parts.path), redact(unquote(parts.path)))
        if scheme in _OTHER_LIVE_SCHEMES:
            return SourceSpec("stream", text, display, host)
        raise SourceError(f"{display}: unsupported URL scheme {scheme!r} (use rtsp://, http(s)://, a path or webcam:N)")
    w = _WEBCAM.match(text)
    if w:
        index = w.group(1).strip()
        if not index.isdigit():
            raise SourceError(f"{display}: expected webcam:N with N the camera number, e.g. webcam:0")
        return _webcam(int(index), display)
    d = _DEV_VIDEO.match(text)
    if d:
        return _webcam(int(d.group(1)), display, device=text)
    return _local(text, display)


def _local(path: str, display: str) -> SourceSpec:
    p = Path(path).expanduser()
    if p.is_dir():
        return SourceSpec("folder", str(p), display, p.name)
    return SourceSpec("file", str(p), display, p.stem)


def _webcam(index: int, display: str, device: str | None = None) -> SourceSpec:
    name = f"webcam{index}"
    if sys.platform == "darwin":
        return SourceSpec("webcam", str(index), display, name, "avfoundation")
    if sys.platform.startswith("linux"):
        return SourceSpec("webcam", device or f"/dev/video{index}", display, name, "v4l2")
    raise SourceError(f"{display}: webcams are supported on Linux (v4l2) and macOS (avfoundation) only")
