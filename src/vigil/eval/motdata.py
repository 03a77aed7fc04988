"""MOTChallenge-layout sequences: seqinfo.ini, gt/gt.txt, det/det.txt, img1/.

A MOT text file has one box per line: ``frame, id, left, top, width, height, conf,
x, y, z`` (1-based frames, pixels, top-left + size). MOT15 ground truth has no class
or visibility columns; its conf column is 1 for boxes that count and 0 for ignored ones.
"""

from __future__ import annotations

import configparser
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vigil.detect.classes import PERSON
from vigil.errors import DatasetError
from vigil.types import Detections

log = logging.getLogger(__name__)

MOT_COLUMNS = 10
"""Rows from :func:`read_mot_file` have at least this many columns (missing ones are -1)."""

_SEQINFO = "seqinfo.ini"
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp"})


@dataclass(frozen=True)
class MotSequence:
    """One sequence folder.

    fps: frames per second from seqinfo.ini. length: number of frames (seqLength).
    img_dir: the image folder when it exists and holds images, else None (text-only sequence).
    """

    name: str
    root: Path
    fps: float
    length: int
    width: int | None
    height: int | None
    img_dir: Path | None

    @property
    def gt_path(self) -> Path:
        return self.root / "gt" / "gt.txt"

    @property
    def det_path(self) -> Path:
        return self.root / "det" / "det.txt"


def _numbered_images(folder: Path) -> Iterator[Path]:
    return (p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.stem.isdigit())


def image_paths(seq: MotSequence) -> dict[int, Path]:
    """Frame (1-based) -> image file in img_dir (named by frame number: 000001.jpg, ...), for every frame.

    Raises DatasetError when the sequence has no images or some frame has none.
    """
    if seq.img_dir is None:
        raise DatasetError(f"{seq.root}: no images (img1/) to run a detector on; use --detections public")
    paths = {int(p.stem): p for p in _numbered_images(seq.img_dir)}
    missing = [f for f in range(1, seq.length + 1) if f not in paths]
    if missing:
        raise DatasetError(
            f"{seq.img_dir}: {len(missing)} of {seq.length} frames have no image (first missing: frame {missing[0]})"
        )
    return paths


def _ini_int(section: configparser.SectionProxy, key: str, path: Path, required: bool) -> int | None:
    text = section.get(key)
    if text is None:
        if required:
            raise DatasetError(f"{path}: missing key {key!r} in [Sequence]")
        return None
    try:
        value = int(text.strip())
    except ValueError as e:
        raise DatasetError(f"{path}: {key} must be a whole number, got {text!r}") from e
    if value <= 0:
        raise DatasetError(f"{path}: {key} must be positive, got {value}")
    return value


def load_sequence(path: str | Path) -> MotSequence:
    """Read a sequence folder's seqinfo.ini (frameRate and seqLength are required)."""
    root = Path(path)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder (expected a MOT sequence folder with {_SEQINFO})")
    ini_path = root / _SEQINFO
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with ini_path.open(encoding="utf-8") as f:
            parser.read_file(f)
    except FileNotFoundError as e:
        raise DatasetError(f"{root}: no {_SEQINFO} (not a MOT sequence folder)") from e
    except (OSError, UnicodeDecodeError, configparser.Error) as e:
        raise DatasetError(f"{ini_path}: cannot read: {e}") from e
    if not parser.has_section("Sequence"):
        raise DatasetError(f"{ini_path}: no [Sequence] section")
    sec = parser["Sequence"]

    fps_text = sec.get("frameRate")
    if fps_text is None:
        raise DatasetError(f"{ini_path}: missing key 'frameRate' in [Sequence]")
    try:
        fps = float(fps_text.strip())
    except ValueError as e:
        raise DatasetError(f"{ini_path}: frameRate must be a number, got {fps_text!r}") from e
    if not fps > 0:
        raise DatasetError(f"{ini_path}: frameRate must be positive, got {fps_text!r}")
    length = _ini_int(sec, "seqLength", ini_path, required=True)
    assert length is not None
    width = _ini_int(sec, "imWidth", ini_path, required=False)
    height = _ini_int(sec, "imHeight", ini_path, required=False)

    img_dir: Path | None = root / sec.get("imDir", "img1").strip()
    if not (img_dir is not None and img_dir.is_dir() and any(_numbered_images(img_dir))):
        img_dir = None
    name = sec.get("name", "").strip() or root.name
    return MotSequence(name=name, root=root, fps=fps, length=length, width=width, height=height, img_dir=img_dir)


def find_sequences(paths: Iterable[str | Path]) -> list[MotSequence]:
    """Sequences named by ``paths``: each a sequence folder or a folder of sequence folders.

    Subfolders are taken in name order; a sequence reached twice is listed once.
    """
    found: list[MotSequence] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            raise DatasetError(f"{p}: no such folder (expected a MOT sequence folder or a folder of them)")
        if (p / _SEQINFO).is_file():
            candidates = [p]
        else:
            candidates = sorted(c for c in p.iterdir() if (c / _SEQINFO).is_file())
            if not candidates:
                raise DatasetError(f"{p}: no MOT sequences here (no {_SEQINFO} in it or in its subfolders)")
        for c in candidates:
            key = c.resolve()
            if key in seen:
                continue
            seen.add(key)
            found.append(load_sequence(c))
    return found


def read_mot_file(path: str | Path) -> npt.NDArray[np.float64]:
    """Parse a MOT text file into an (N, C) float64 array, C >= 10.

    Columns: frame, id, left, top, width, height, conf, x, y, z[, ...]. Values may be
    separated by commas and/or whitespace. A 6-value line gets conf 1; missing trailing
    columns are -1. Blank lines are skipped; an empty file gives a (0, 10) array.
    Raises DatasetError naming ``file:line`` for a line that is not numbers, has fewer
    than 6 values, or whose frame is not a positive whole number.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise DatasetError(f"{p}: file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise DatasetError(f"{p}: cannot read: {e}") from e

    rows: list[list[float]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        parts = stripped.replace(",", " ").split()
        try:
            values = [float(v) for v in parts]
        except ValueError as e:
            raise DatasetError(f"{p}:{lineno}: expected comma-separated numbers, got {stripped!r}") from e
        if len(values) < 6:
            raise DatasetError(
                f"{p}:{lineno}: expected at least 6 values (frame,id,left,top,width,height), got {len(values)}"
            )
        if not np.all(np.isfinite(values)):
            raise DatasetError(f"{p}:{lineno}: values must be finite numbers, got {stripped!r}")
        frame = values[0]
        if frame != int(frame) or frame < 1:
            raise DatasetError(f"{p}:{lineno}: frame must be a whole number >= 1, got {parts[0]!r}")
        if values[1] != int(values[1]):
            raise DatasetError(f"{p}:{lineno}: id must be a whole number, got {parts[1]!r}")
        if len(values) == 6:
            values.append(1.0)
        rows.append(values)

    ncols = max([MOT_COLUMNS, *(len(r) for r in rows)])
    out = np.full((len(rows), ncols), -1.0, dtype=np.float64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def _require(path: Path, what: str, seq: MotSequence) -> Path:
    if not path.is_file():
        raise DatasetError(f"{seq.root}: no {what} ({path.relative_to(seq.root)} is missing)")
    return path


def load_gt(seq: MotSequence) -> npt.NDArray[np.float64]:
    """The sequence's gt/gt.txt rows (all of them; metrics drop conf-0 rows)."""
    return read_mot_file(_require(seq.gt_path, "ground truth", seq))


def detections_by_frame(rows: npt.NDArray[np.float64], length: int) -> dict[int, Detections]:
    """Group MOT detection rows into 1-based frames 1..length (empty Detections where none), class person."""
    out: dict[int, Detections] = {}
    frames = rows[:, 0].astype(np.int64) if len(rows) else np.zeros(0, np.int64)
    order = np.argsort(frames, kind="stable")
    frames, rows = frames[order], rows[order]
    starts = np.searchsorted(frames, np.arange(1, length + 2))
    for f in range(1, length + 1):
        r = rows[starts[f - 1] : starts[f]]
        if len(r) == 0:
            out[f] = Detections.empty()
        else:
            out[f] = Detections.from_tlwh(r[:, 2:6], r[:, 6], np.full(len(r), PERSON, np.int64))
    return out


def public_detections(seq: MotSequence) -> dict[int, Detections]:
    """det/det.txt as frame (1-based, every frame 1..length) -> Detections of class person.

    Scores are the file's conf column, used as given.
    """
    rows = read_mot_file(_require(seq.det_path, "public detections", seq))
    beyond = int(np.sum(rows[:, 0] > seq.length)) if len(rows) else 0
    if beyond:
        log.warning("%s: %s detections lie beyond seqLength %s and are ignored", seq.det_path, beyond, seq.length)
    return detections_by_frame(rows, seq.length)
