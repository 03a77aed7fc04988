"""Labelled anomaly datasets in the shared layout, and the frames they hold.

A DATASET is a folder with ``labels.csv`` and either

- one video whose frames the labels number by decode index, with a ``sequence`` column
  (UMN: ``frame,abnormal,sequence[,scene]``, or ``sequence,frame,event`` with event
  ``normal`` or anything else = abnormal). Each run of one sequence is a scene: the
  protocol learns on its first seconds (all normal) and scores the rest. UMN burns its
  label into the top rows, so these layouts mask rows 0-30 unless told otherwise; or
- frame folders named by ``video,frame,file,abnormal`` rows (UCSD Ped2: ``file`` is
  ``testing/frames/NN/XXX.jpg``). The protocol learns on normal training footage
  (``--train``, default ``training/frames`` beside the labels) and scores every test
  frame. Frame folders carry no timing: they play at ``DEFAULT_FOLDER_FPS`` (UCSD's
  10 fps) unless another rate is given.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from vigil.errors import DatasetError
from vigil.sources import ImageFolderSource, open_source
from vigil.sources.images import IMAGE_SUFFIXES, natural_key
from vigil.types import Frame

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".avi", ".mp4", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".webm"})
UMN_CAPTION_ROWS = 31
"""UMN draws "Abnormal Crowd Activity" into rows 0-29 of abnormal frames; rows 0-30 are masked."""
DEFAULT_FOLDER_FPS = 10.0
"""Frame rate of frame-folder datasets (UCSD Ped1/Ped2 were recorded at 10 fps)."""

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]


@dataclass(frozen=True)
class LabelledClip:
    """Frames with labels. ``frames``: the labels' frame numbers in order; ``labels``: 0/1 per frame.

    source: the video (scenes of one video share it) or the frame folder.
    """

    name: str
    frames: I64
    labels: I8
    source: Path


@dataclass(frozen=True)
class AnomalyDataset:
    """A labelled dataset and its protocol.

    protocol: "scenes" (one video; learn on each scene's first seconds) or "clips"
    (frame folders; learn on ``train``). mask_rows: source rows masked at the top.
    fps: frame rate of frame folders (None for videos, which carry their own timing).
    """

    name: str
    root: Path
    protocol: str
    clips: tuple[LabelledClip, ...]
    mask_rows: int
    fps: float | None
    train: Path | None


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = [h.strip() for h in (reader.fieldnames or [])]
    except OSError as e:
        raise DatasetError(f"{path}: cannot read labels: {e.strerror or e}") from e
    except csv.Error as e:
        raise DatasetError(f"{path}: not a CSV file ({e})") from e
    if not rows:
        raise DatasetError(f"{path}: no label rows")
    return header, [{k.strip(): (v or "").strip() for k, v in r.items() if k is not None} for r in rows]


def _int(path: Path, line: int, key: str, text: str) -> int:
    try:
        return int(text)
    except ValueError as e:
        raise DatasetError(f"{path}:{line}: column {key!r} must be a whole number, got {text!r}") from e


def _flag(path: Path, line: int, text: str) -> int:
    if text not in ("0", "1"):
        raise DatasetError(f"{path}:{line}: column 'abnormal' must be 0 or 1, got {text!r}")
    return int(text)


def _one_video(root: Path) -> Path:
    videos = sorted(p for p in root.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    if len(videos) != 1:
        found = ", ".join(p.name for p in videos) or "none"
        raise DatasetError(f"{root}: expected exactly one video beside labels.csv, found {found}")
    return videos[0]


def _scenes(root: Path, path: Path, header: list[str], rows: list[dict[str, str]]) -> list[LabelledClip]:
    video = _one_video(root)
    event_style = "event" in header and "abnormal" not in header
    seq: list[str] = []
    frames: list[int] = []
    flags: list[int] = []
    for line, r in enumerate(rows, start=2):
        frames.append(_int(path, line, "frame", r["frame"]))
        flags.append(int(r["event"].lower() != "normal") if event_style else _flag(path, line, r["abnormal"]))
        seq.append(r.get("sequence", "1") or "1")
    order = np.argsort(np.asarray(frames), kind="stable")
    f_arr, y_arr = np.asarray(frames, np.int64)[order], np.asarray(flags, np.int8)[order]
    s_arr = [seq[i] for i in order]
    if np.any(np.diff(f_arr) != 1):
        raise DatasetError(f"{path}: frame numbers must run 0, 1, 2, ... without gaps or repeats")
    clips, start = [], 0
    for i in range(1, len(s_arr) + 1):
        if i == len(s_arr) or s_arr[i] != s_arr[start]:
            name = s_arr[start] if not s_arr[start].isdigit() else f"seq{s_arr[start]}"
            clips.append(LabelledClip(name, f_arr[start:i], y_arr[start:i], video))
            start = i
    return clips


def _folders(root: Path, path: Path, rows: list[dict[str, str]]) -> list[LabelledClip]:
    per: dict[str, list[tuple[int, int, Path]]] = {}
    for line, r in enumerate(rows, start=2):
        frame = _int(path, line, "frame", r["frame"])
        per.setdefault(r["video"], []).append((frame, _flag(path, line, r["abnormal"]), root / r["file"]))
    clips = []
    for name in sorted(per, key=natural_key):
        items = sorted(per[name])
        folder = items[0][2].parent
        if not folder.is_dir():
            raise DatasetError(f"{path}: clip {name}: frame folder {folder} does not exist")
        files = sorted((p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=lambda p: natural_key(p.name))
        named = [it[2].name for it in items]
        if [p.name for p in files] != named:
            raise DatasetError(
                f"{path}: clip {name}: labels list {len(named)} frames but {folder} holds {len(files)} images "
                "(or they differ in name)"
            )
        clips.append(LabelledClip(
            name, np.asarray([it[0] for it in items], np.int64), np.asarray([it[1] for it in items], np.int8), folder,
        ))  # fmt: skip
    return clips


def load_dataset(root: str | Path, *, mask_rows: int | None = None, fps: float | None = None) -> AnomalyDataset:
    """Read ``root/labels.csv`` and find the footage it labels. Raises DatasetError naming what is wrong."""
    folder = Path(root)
    if not folder.is_dir():
        raise DatasetError(f"anomaly dataset {folder} is not a folder")
    path = folder / "labels.csv"
    if not path.is_file():
        raise DatasetError(f"{folder}: no labels.csv (see `vigil eval anomaly --help` for the layout)")
    header, rows = _read_rows(path)
    cols = set(header)
    if {"video", "frame", "file", "abnormal"} <= cols:
        clips = _folders(folder, path, rows)
        train = folder / "training" / "frames"
        return AnomalyDataset(
            folder.name, folder, "clips", tuple(clips), mask_rows or 0, fps or DEFAULT_FOLDER_FPS,
            train if train.is_dir() else None,
        )  # fmt: skip
    if "frame" in cols and ("abnormal" in cols or {"event", "sequence"} <= cols):
        clips = _scenes(folder, path, header, rows)
        umn = "sequence" in cols
        rows_masked = mask_rows if mask_rows is not None else (UMN_CAPTION_ROWS if umn else 0)
        return AnomalyDataset(folder.name, folder, "scenes", tuple(clips), rows_masked, None, None)
    raise DatasetError(
        f"{path}: unknown columns {header}; expected frame,abnormal[,sequence] (one video), "
        "sequence,frame,event (one video) or video,frame,file,abnormal (frame folders)"
    )


def training_inputs(path: str | Path) -> list[Path]:
    """Clips of normal footage under ``path``: a video, a frame folder, or a folder of either (sorted)."""
    p = Path(path)
    if p.is_file():
        if p.suffix.lower() not in VIDEO_SUFFIXES:
            raise DatasetError(f"training footage {p} is not a video file")
        return [p]
    if not p.is_dir():
        raise DatasetError(f"training footage {p} does not exist")
    entries = sorted(p.iterdir(), key=lambda q: natural_key(q.name))
    if any(q.is_file() and q.suffix.lower() in IMAGE_SUFFIXES for q in entries):
        return [p]
    clips = [q for q in entries if (q.is_file() and q.suffix.lower() in VIDEO_SUFFIXES) or q.is_dir()]
    if not clips:
        raise DatasetError(f"training footage {p} holds no videos, images or frame folders")
    return clips


def read_frames(source: Path, fps: float | None) -> Iterator[Frame]:
    """Frames of a video file or frame folder, through vigil.sources (frame folders play at ``fps``)."""
    src = ImageFolderSource(source, frame_rate=fps or DEFAULT_FOLDER_FPS) if source.is_dir() else open_source(source)
    with src:
        yield from src
