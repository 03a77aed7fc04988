"""Folders of images (jpg/png/bmp/...), including MOTChallenge sequences (seqinfo.ini + img1/)."""

from __future__ import annotations

import configparser
import logging
import os
import re
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vigil.errors import SourceFormatError, SourceNotFoundError
from vigil.sources._common import SourceBase, check_window
from vigil.sources._rate import FpsLimiter
from vigil.types import Frame, Image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
DEFAULT_RATE = 25.0
_EPS = 1e-6
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts ``img2.png`` before ``img10.png``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.lower()) for part in _DIGITS.split(name) if part)


@dataclass(frozen=True, slots=True)
class SeqInfo:
    """What a MOTChallenge ``seqinfo.ini`` says (fields absent from it are None)."""

    path: Path
    name: str | None
    im_dir: str
    frame_rate: float | None
    length: int | None


def read_seqinfo(path: Path) -> SeqInfo:
    """Parse ``seqinfo.ini``; a malformed file or field is a SourceFormatError naming it."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
    except (OSError, configparser.Error) as e:
        raise SourceFormatError(f"{path} cannot be parsed: {' '.join(str(e).split())}") from e
    sec = parser["Sequence"] if parser.has_section("Sequence") else {}

    def number(key: str) -> float | None:
        text = sec.get(key)
        if text is None or not text.strip():
            return None
        try:
            value = float(text)
        except ValueError as e:
            raise SourceFormatError(f"{path}: {key}={text!r} is not a number") from e
        if not value > 0:
            raise SourceFormatError(f"{path}: {key}={text!r} must be positive")
        return value

    length = number("seqLength")
    return SeqInfo(
        path, sec.get("name"), sec.get("imDir", "img1"), number("frameRate"), None if length is None else int(length)
    )


def list_images(folder: Path) -> list[Path]:
    """Image files directly inside ``folder``, in natural order."""
    files = [
        p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".") and p.is_file()
    ]
    return sorted(files, key=lambda p: natural_key(p.name))


def decode_image(path: Path) -> Image | None:
    """BGR uint8 image, or None when the file cannot be read or decoded."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError:
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return image  # type: ignore[return-value]


class ImageFolderSource(SourceBase):
    """Frames from the images of a folder, in natural order (``2.png`` before ``10.png``).

    ``path`` is a folder of images, a MOTChallenge sequence folder (``seqinfo.ini`` and
    ``img1/``) or its ``img1/``. Rate: ``frameRate`` from seqinfo.ini, else
    ``frame_rate``, else ``fps``, else 25 (with a warning). pts = image index / rate;
    ``start``/``end``/``fps`` then select frames as for video files. An image that cannot
    be decoded is skipped and counted in ``health().corrupt_frames`` (later pts are kept
    right). Images are decoded ``prefetch`` ahead on a helper thread, so decoding
    overlaps the caller's work.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        frame_rate: float | None = None,
        fps: float | None = None,
        start: float = 0.0,
        end: float | None = None,
        name: str | None = None,
        prefetch: int = 4,
    ) -> None:
        check_window(fps, start, end)
        folder = Path(path)
        if not folder.exists():
            raise SourceNotFoundError(f"image folder {folder} does not exist")
        if not folder.is_dir():
            raise SourceFormatError(f"{folder} is not a folder of images")
        image_dir, seqinfo = self._locate(folder)
        files = list_images(image_dir)
        if seqinfo is not None and seqinfo.length is not None and seqinfo.length < len(files):
            files = files[: seqinfo.length]
        if not files:
            raise SourceFormatError(
                f"{folder} holds no images (looked for {', '.join(sorted(IMAGE_SUFFIXES))} in {image_dir})"
            )
        rate = (seqinfo.frame_rate if seqinfo else None) or frame_rate or fps
        if rate is None:
            log.warning("%s: frame rate unknown (no seqinfo.ini frameRate, no fps given); assuming %g fps",
                        folder, DEFAULT_RATE)
            rate = DEFAULT_RATE
        default_name = (seqinfo.name if seqinfo else None) or (
            image_dir.parent.name if seqinfo else image_dir.name
        )
        super().__init__(name or default_name or str(folder))
        self.folder = image_dir
        self._rate = float(rate)
        self._files = files
        limiter = FpsLimiter(fps)
        times = [round(i / self._rate, 6) for i in range(len(files))]
        self._selected = [
            i
            for i, t in enumerate(times)
            if t >= start - _EPS and (end is None or t < end - _EPS) and limiter.accept(t)
        ]
        self._next = 0  # position in _selected of the next image to submit
        self._index = 0
        self._prefetch = max(1, prefetch)
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(1, thread_name_prefix=f"vigil-images-{self.name}")
        self._pending: deque[tuple[int, Future[Image | None]]] = deque()
        self._fill()

    @staticmethod
    def _locate(folder: Path) -> tuple[Path, SeqInfo | None]:
        """The folder holding the images, and the sequence's seqinfo.ini when there is one."""
        if (folder / "seqinfo.ini").is_file():
            info = read_seqinfo(folder / "seqinfo.ini")
            return (folder / info.im_dir if (folder / info.im_dir).is_dir() else folder), info
        if (folder.parent / "seqinfo.ini").is_file():
            info = read_seqinfo(folder.parent / "seqinfo.ini")
            if info.im_dir == folder.name:
                return folder, info
        if (folder / "img1").is_dir() and not list_images(folder):
            return folder / "img1", None
        return folder, None

    @property
    def fps(self) -> float | None:
        """The sequence's frame rate (before any ``fps`` limit)."""
        return self._rate

    @property
    def frame_count(self) -> int | None:
        """Images in the sequence (before start/end/fps selection)."""
        return len(self._files)

    @property
    def selected_count(self) -> int:
        """Frames this source will deliver, fewer if some images turn out unreadable."""
        return len(self._selected)

    def read(self) -> Frame | None:
        while self._pending:
            i, future = self._pending.popleft()
            image = future.result()
            self._fill()
            if image is None:
                message = f"{self._files[i]}: unreadable image skipped"
                log.warning("%s", message)
                self._health.corrupt(message)
                continue
            frame = Frame(image, self._index, round(i / self._rate, 6))
            self._index += 1
            self._health.frame(time.time())
            return frame
        return None

    def close(self) -> None:
        self._pending.clear()
        self._next = len(self._selected)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _fill(self) -> None:
        while self._pool is not None and len(self._pending) < self._prefetch and self._next < len(self._selected):
            i = self._selected[self._next]
            self._next += 1
            self._pending.append((i, self._pool.submit(decode_image, self._files[i])))
