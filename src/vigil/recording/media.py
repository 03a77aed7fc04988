"""Stored media files: what recorders report, and the writers they use (injectable for tests).

A video is written under a hidden temporary name (``.<name>.part``) and renamed when
finished, so a player or the retention job never sees a half-written file; a file
abandoned on a full disk is deleted.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

import cv2

from vigil.errors import OutputError
from vigil.output.encoder import H264Writer
from vigil.types import Image

log = logging.getLogger(__name__)

MediaKind = Literal["snapshot", "clip", "segment"]


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A finished media file.

    event_id: the event it belongs to (None for continuous segments).
    path: relative to the data directory, with '/' separators (what ``EventStore.attach_media`` takes).
    start_pts/end_pts: stream times (s) of its first and last frame (equal for a snapshot).
    started_at/ended_at: the same as wall-clock times (timezone-aware).
    """

    event_id: str | None
    kind: MediaKind
    path: str
    start_pts: float
    end_pts: float
    started_at: datetime
    ended_at: datetime


MediaCallback = Callable[[MediaFile], None]


class VideoWriter(Protocol):
    """What recorders need of a video encoder (``H264Writer`` has it)."""

    def write(self, image: Image, pts: float) -> None: ...

    def close(self) -> None: ...


VideoWriterFactory = Callable[[Path, int, int, float | None], VideoWriter]
"""(path, width, height, nominal fps) -> an open writer."""

WriteBytes = Callable[[Path, bytes], None]


def h264_writer(path: Path, width: int, height: int, fps: float | None, preset: str = "ultrafast") -> VideoWriter:
    """The default factory: a browser-playable H.264 MP4 (yuv420p, faststart).

    One encoder thread: a camera worker records beside its analysis, and many workers
    share the machine (x264's own threads cost 25% more CPU per frame here, for nothing).
    preset: x264's speed/size trade-off (``recording.encoder_preset``); see BENCHMARKS.md.
    """
    return H264Writer(path, width, height, fps, preset=preset, threads=1)


def h264_factory(preset: str) -> VideoWriterFactory:
    """``h264_writer`` with ``preset``."""
    return functools.partial(h264_writer, preset=preset)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a hidden temporary sibling, then rename it to ``path``. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = part_path(path)
    try:
        with tmp.open("wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def part_path(path: Path) -> Path:
    """The hidden temporary name a file is written under before it is complete."""
    return path.with_name(f".{path.name}.part")


def encode_jpeg(image: Image, quality: int, what: str) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OutputError(f"{what}: cannot JPEG-encode an image of shape {image.shape}")
    return buf.tobytes()


class VideoFile:
    """One MP4 being written: frames go to ``.<name>.part``, ``finish()`` renames it to ``path``."""

    def __init__(
        self, path: Path, width: int, height: int, fps: float | None, factory: VideoWriterFactory
    ) -> None:
        self.path = path
        self._part = part_path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"{path}: cannot create folder {path.parent}: {e.strerror or e}") from e
        self._writer = factory(self._part, width, height, fps)
        self.first_pts: float | None = None
        self.last_pts: float | None = None
        self.frames = 0

    def write(self, image: Image, pts: float) -> None:
        self._writer.write(image, pts)
        if self.first_pts is None:
            self.first_pts = pts
        self.last_pts = pts
        self.frames += 1

    def finish(self) -> bool:
        """Close and rename to the final name; False (nothing kept) when no frame was written."""
        self._writer.close()
        if self.frames == 0:
            self._part.unlink(missing_ok=True)
            return False
        try:
            os.replace(self._part, self.path)
        except OSError as e:
            raise OutputError(f"{self.path}: cannot rename finished video: {e.strerror or e}") from e
        return True

    def abandon(self) -> None:
        """Close quietly and delete the partial file (after a write error)."""
        try:
            self._writer.close()
        except (OutputError, OSError) as e:
            log.debug("%s: closing an abandoned video: %s", self.path, e)
        try:
            self._part.unlink(missing_ok=True)
        except OSError as e:
            log.debug("%s: cannot delete partial video: %s", self._part, e)
