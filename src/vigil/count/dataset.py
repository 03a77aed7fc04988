"""The shared counting layout: a folder with ``frames/`` and ``labels.csv``.

::

    DATASET/
      frames/            images (jpg/png/...), one per labelled frame
      labels.csv         header ``frame,count``; optional column ``time`` (seconds)

``frame`` is the frame number in an image's file name (``seq_000012.jpg`` is frame 12:
the last run of digits in the stem) or the file name itself. Rows are sorted by frame
number; every listed frame must have an image (images without a row are ignored).
``time`` gives each frame's stream time; without it frames are taken to be ``1 / fps``
seconds apart (the caller's nominal rate).
"""

from __future__ import annotations

import csv
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from vigil.errors import DatasetError
from vigil.types import Image

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
_LAST_DIGITS = re.compile(r"(\d+)(?!.*\d)")


@dataclass(frozen=True, slots=True)
class CountingDataset:
    """Labelled frames of one camera, in frame order.

    root: the dataset folder. frames: (F,) frame numbers. paths: the image of each frame.
    counts: (F,) float64 true counts. times: (F,) stream seconds, or None when
    labels.csv has no ``time`` column.
    """

    root: Path
    frames: npt.NDArray[np.int64]
    paths: tuple[Path, ...]
    counts: npt.NDArray[np.float64]
    times: npt.NDArray[np.float64] | None

    @property
    def name(self) -> str:
        return self.root.name

    def __len__(self) -> int:
        return len(self.frames)

    def frame_times(self, fps: float) -> npt.NDArray[np.float64]:
        """Each frame's time in seconds: the labelled ``time``, else frame number / ``fps``."""
        if self.times is not None:
            return self.times
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        return np.asarray((self.frames - self.frames[0]) / fps, np.float64)

    def subset(self, index: slice | npt.NDArray[np.int64]) -> CountingDataset:
        """The frames at ``index`` (a slice or an array of positions)."""
        idx = np.arange(len(self))[index]
        return CountingDataset(
            self.root,
            self.frames[idx],
            tuple(self.paths[i] for i in idx),
            self.counts[idx],
            None if self.times is None else self.times[idx],
        )

    def image(self, i: int) -> Image:
        """The i-th frame's image (BGR uint8); DatasetError naming the file when it cannot be read."""
        return read_image(self.paths[i])


def read_image(path: Path) -> Image:
    """A BGR image from ``path``; DatasetError naming the file when it cannot be decoded."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        what = "does not exist" if not path.exists() else "is not a readable image"
        raise DatasetError(f"{path}: {what}")
    return np.asarray(image, np.uint8)


def _frame_key(path: Path) -> str | None:
    m = _LAST_DIGITS.search(path.stem)
    return str(int(m.group(1))) if m else None


def load_counting_dataset(root: str | Path) -> CountingDataset:
    """Read ``root`` (see the module doc). Raises DatasetError naming the file and the problem."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DatasetError(f"{root}: counting dataset folder does not exist")
    labels = root / "labels.csv"
    frames_dir = root / "frames"
    if not labels.is_file():
        raise DatasetError(f"{root}: no labels.csv (expected header 'frame,count' and one row per frame)")
    if not frames_dir.is_dir():
        raise DatasetError(f"{root}: no frames/ folder of images")

    by_number: dict[str, Path] = {}
    by_name: dict[str, Path] = {}
    for p in frames_dir.iterdir():
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
            by_name[p.name] = p
            key = _frame_key(p)
            if key is not None:
                by_number.setdefault(key, p)

    rows = _read_labels(labels)
    entries: list[tuple[int, Path, float, float | None]] = []
    for line, frame, count, t in rows:
        path = by_name.get(frame) or by_number.get(_normalise_number(frame))
        if path is None:
            raise DatasetError(f"{labels} line {line}: frame {frame} has no image in {frames_dir}")
        number = int(_normalise_number(frame) or _frame_key(path) or line)
        entries.append((number, path, count, t))
    if not entries:
        raise DatasetError(f"{labels}: no labelled frames")
    entries.sort(key=lambda e: e[0])
    numbers = np.array([e[0] for e in entries], np.int64)
    dup = numbers[1:][numbers[1:] == numbers[:-1]]
    if len(dup):
        raise DatasetError(f"{labels}: frame {int(dup[0])} is listed more than once")
    has_time = [e[3] is not None for e in entries]
    if any(has_time) and not all(has_time):
        raise DatasetError(f"{labels}: column 'time' is empty for some frames")
    times = np.array([e[3] for e in entries], np.float64) if all(has_time) else None
    if times is not None and np.any(np.diff(times) <= 0):
        raise DatasetError(f"{labels}: 'time' must increase with the frame number")
    log.debug("counting dataset %s: %d frames", root, len(entries))
    return CountingDataset(root, numbers, tuple(e[1] for e in entries),
                           np.array([e[2] for e in entries], np.float64), times)


def _normalise_number(text: str) -> str:
    return str(int(text)) if text.strip().isdigit() else ""


def _read_labels(path: Path) -> list[tuple[int, str, float, float | None]]:
    """(line, frame, count, time or None) per row."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields = [h.strip() for h in (reader.fieldnames or [])]
            if "frame" not in fields or "count" not in fields:
                raise DatasetError(f"{path}: header must name columns 'frame' and 'count', got {fields}")
            out = []
            for row in reader:
                row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
                line = reader.line_num
                frame = row.get("frame", "")
                if not frame:
                    raise DatasetError(f"{path} line {line}: empty 'frame'")
                count = _number(path, line, "count", row.get("count", ""))
                if count < 0:
                    raise DatasetError(f"{path} line {line}: 'count' must not be negative, got {count:g}")
                t_text = row.get("time", "")
                t = _number(path, line, "time", t_text) if t_text else None
                out.append((line, frame, count, t))
            return out
    except OSError as e:
        raise DatasetError(f"{path}: cannot read: {e}") from e
    except (csv.Error, UnicodeDecodeError) as e:
        raise DatasetError(f"{path}: not a valid CSV file: {e}") from e


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        v = float(text)
    except ValueError as e:
        raise DatasetError(f"{path} line {line}: '{column}' is not a number: {text!r}") from e
    if not math.isfinite(v):
        raise DatasetError(f"{path} line {line}: '{column}' is not finite: {text!r}")
    return v
