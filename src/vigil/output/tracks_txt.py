"""tracks.txt: tracks in the MOTChallenge text format, streamed to disk."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from types import TracebackType

import numpy as np

from vigil.errors import OutputError
from vigil.output._files import open_text
from vigil.types import Tracks


class TracksTxtWriter:
    """Writes one line per track and frame: ``frame,id,x,y,w,h,score,-1,-1,-1``.

    ``frame`` is 1-based (MOTChallenge), boxes are top-left/width/height in source
    pixels with two decimals, scores three decimals. Lines go straight to the file
    buffer; nothing is kept in memory.

    classes: write only tracks of these COCO class ids (e.g. ``{PERSON}``: MOTChallenge
    benchmarks score pedestrians only); all tracks when None.
    """

    def __init__(self, path: str | Path, classes: Collection[int] | None = None) -> None:
        self.path = Path(path)
        self._classes = None if classes is None else np.array(sorted(classes), np.int64)
        self._file = open_text(self.path)
        self.lines_written = 0

    def write(self, frame_number: int, tracks: Tracks) -> None:
        """Append the tracks of one frame; ``frame_number`` is 1-based."""
        if frame_number < 1:
            raise ValueError(f"{self.path}: MOT frame numbers are 1-based, got {frame_number}")
        if self._file.closed:
            raise OutputError(f"{self.path}: write after close")
        if self._classes is not None:
            tracks = tracks[np.isin(tracks.class_ids, self._classes)]
        if len(tracks) == 0:
            return
        xyxy = tracks.xyxy.astype(float)
        rows = zip(
            tracks.track_ids.tolist(),
            xyxy[:, 0].tolist(),
            xyxy[:, 1].tolist(),
            (xyxy[:, 2] - xyxy[:, 0]).tolist(),
            (xyxy[:, 3] - xyxy[:, 1]).tolist(),
            tracks.scores.astype(float).tolist(),
            strict=True,
        )
        text = "".join(
            f"{frame_number},{tid},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{s:.3f},-1,-1,-1\n"
            for tid, x, y, w, h, s in rows
        )
        try:
            self._file.write(text)
        except OSError as e:
            raise OutputError(f"{self.path}: cannot write tracks: {e.strerror or e}") from e
        self.lines_written += len(tracks)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> TracksTxtWriter:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
