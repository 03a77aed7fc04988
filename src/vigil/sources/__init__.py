"""Video sources: files, image folders, RTSP/HTTP streams and webcams, behind one interface.

``open_source(spec)`` picks the kind from the string. Every source yields
``vigil.types.Frame`` (BGR image, index, pts in seconds) and reports ``health()``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from vigil.errors import SourceNotFoundError
from vigil.sources._backoff import Backoff
from vigil.sources._common import check_window
from vigil.redaction import redact
from vigil.sources._spec import SourceSpec, parse_spec
from vigil.sources.base import Source, SourceHealth
from vigil.sources.file import FileSource
from vigil.sources.images import ImageFolderSource
from vigil.sources.live import LiveSource, http_options, rtsp_options
from vigil.sources.loop import LoopingSource

log = logging.getLogger(__name__)

__all__ = [
    "Backoff",
    "FileSource",
    "ImageFolderSource",
    "LiveSource",
    "LoopingSource",
    "Source",
    "SourceHealth",
    "SourceSpec",
    "open_source",
    "parse_spec",
    "redact",
]


def open_source(
    spec: str | os.PathLike[str],
    *,
    fps: float | None = None,
    start: float = 0.0,
    end: float | None = None,
    timeout: float = 10.0,
    rtsp_transport: str = "tcp",
    name: str | None = None,
    loop: int | None = 1,
) -> Source:
    """Open the source that ``spec`` names.

    spec: a video file path; a folder of images or a MOTChallenge sequence folder;
    ``rtsp://`` / ``rtsps://``; ``http(s)://`` (MJPEG or HLS streams; URLs of video files
    such as ``.mp4`` are read as files); ``rtmp://``, ``srt://``, ``udp://``;
    ``webcam:N`` or ``/dev/videoN``.

    fps: analysis rate, at most this many frames per second (by pts); for an image
    folder without seqinfo.ini it is also the folder's frame rate. start/end: seconds of
    stream time, files and folders only. timeout: seconds to wait when opening and
    reading network streams. rtsp_transport: "tcp" or "udp". name: camera name for logs
    and events (default: file stem, sequence name, host or webcamN). loop: play a file or
    folder this many times (None: forever), pts increasing across passes.

    Raises SourceNotFoundError, SourceFormatError or SourceUnreachableError (all
    SourceError), or ConfigError for invalid options.
    """
    check_window(fps, start, end)
    s = parse_spec(os.fspath(spec))
    if s.kind in ("folder", "file") and loop != 1:
        return LoopingSource(
            lambda: open_source(spec, fps=fps, start=start, end=end, timeout=timeout, name=name), passes=loop
        )
    if s.kind == "folder":
        return ImageFolderSource(s.target, fps=fps, start=start, end=end, name=name)
    if s.kind == "file":
        return FileSource(s.target, fps=fps, start=start, end=end, timeout=timeout, name=name or s.name)
    if start > 0 or end is not None:
        log.warning("%s: start/end apply to files and folders only; ignored for a live stream", s.display)
    if s.kind == "rtsp":
        options = rtsp_options(rtsp_transport, timeout)
    elif s.kind in ("http", "stream"):
        options = http_options(timeout) if s.kind == "http" else {"rw_timeout": str(int(timeout * 1_000_000))}
    else:  # webcam
        if s.format == "v4l2" and not Path(s.target).exists():
            raise SourceNotFoundError(f"{s.display}: no video device {s.target}")
        options = {}
    return LiveSource(
        s.target, format=s.format, options=options, fps=fps, timeout=timeout, name=name or s.name, display=s.display
    )
