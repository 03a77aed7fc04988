"""Typed data passed between pipeline stages.

Arrays are NumPy; shapes are documented per field. Boxes are ``xyxy`` in pixels of
the source frame (float32). Times are seconds on the stream clock (``pts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame.

    image: (H, W, 3) uint8, BGR.
    index: 0-based index of the frame among those the source delivered.
    pts: presentation time in seconds since the start of the stream. All speeds and
        durations derive from this, never from frame counts.
    """

    image: Image
    index: int
    pts: float

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


def _as2d(a: Any, cols: int, dtype: Any) -> Any:
    arr = np.asarray(a, dtype=dtype)
    if arr.size == 0:
        return arr.reshape(0, cols)
    return arr.reshape(-1, cols)


@dataclass(frozen=True, slots=True)
class Detections:
    """Detections in one frame, as parallel arrays.

    xyxy: (N, 4) float32 pixel boxes. scores: (N,) float32 in [0, 1].
    class_ids: (N,) int64 COCO class ids.
    """

    xyxy: FloatArray
    scores: FloatArray
    class_ids: IntArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "xyxy", _as2d(self.xyxy, 4, np.float32))
        object.__setattr__(self, "scores", np.asarray(self.scores, np.float32).reshape(-1))
        object.__setattr__(self, "class_ids", np.asarray(self.class_ids, np.int64).reshape(-1))
        n = len(self.xyxy)
        if len(self.scores) != n or len(self.class_ids) != n:
            raise ValueError(
                f"Detections arrays disagree in length: xyxy {n}, scores {len(self.scores)}, "
                f"class_ids {len(self.class_ids)}"
            )

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))

    @classmethod
    def from_tlwh(cls, tlwh: Any, scores: Any, class_ids: Any | None = None) -> Detections:
        b = _as2d(tlwh, 4, np.float32).copy()
        b[:, 2:] += b[:, :2]
        ids = np.zeros(len(b), np.int64) if class_ids is None else class_ids
        return cls(b, scores, ids)

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, mask: Any) -> Detections:
        return Detections(self.xyxy[mask], self.scores[mask], self.class_ids[mask])


@dataclass(frozen=True, slots=True)
class Tracks:
    """Tracked objects reported in one frame.

    xyxy: (N, 4) float32 boxes (the tracker's estimate, in source pixels).
    track_ids: (N,) int64 anonymous ids, unique within one camera and run only.
    scores: (N,) float32 score of the matched detection (0 if coasting).
    class_ids: (N,) int64 COCO class ids.
    """

    xyxy: FloatArray
    track_ids: IntArray
    scores: FloatArray
    class_ids: IntArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "xyxy", _as2d(self.xyxy, 4, np.float32))
        object.__setattr__(self, "track_ids", np.asarray(self.track_ids, np.int64).reshape(-1))
        object.__setattr__(self, "scores", np.asarray(self.scores, np.float32).reshape(-1))
        object.__setattr__(self, "class_ids", np.asarray(self.class_ids, np.int64).reshape(-1))
        n = len(self.xyxy)
        if not (len(self.track_ids) == len(self.scores) == len(self.class_ids) == n):
            raise ValueError("Tracks arrays disagree in length")

    @classmethod
    def empty(cls) -> Tracks:
        return cls(
            np.zeros((0, 4), np.float32),
            np.zeros(0, np.int64),
            np.zeros(0, np.float32),
            np.zeros(0, np.int64),
        )

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, mask: Any) -> Tracks:
        return Tracks(self.xyxy[mask], self.track_ids[mask], self.scores[mask], self.class_ids[mask])


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, in stream time.

    kind: e.g. "track_start", "track_end", later "running", "gathering", ...
    phase: "start", "update", "end" or "instant".
    t: stream time (s) of this record; started: when the event began.
    """

    kind: str
    phase: str
    t: float
    camera: str
    track_ids: tuple[int, ...] = ()
    started: float | None = None
    attributes: dict[str, float | int | str | list[float]] = field(default_factory=dict)
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "phase": self.phase,
            "t": round(self.t, 4),
            "started": None if self.started is None else round(self.started, 4),
            "camera": self.camera,
            "track_ids": list(self.track_ids),
            "attributes": self.attributes,
            "confidence": round(self.confidence, 4),
        }
