"""Run a tracker over MOT sequences and score it: the core of `vigil eval mot`.

Detections come from the sequence's det/det.txt ("public": tracker-only evaluation)
or from running a Detector on img1/ ("detector"). Only person detections are tracked,
since MOT ground truth holds pedestrians only. Tracker speed is the time spent inside
``tracker.update`` alone (no reading, decoding or detection).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt

from vigil.config import AnalysisConfig
from vigil.detect.base import Detector
from vigil.detect.classes import PERSON
from vigil.errors import DatasetError, VigilError
from vigil.eval.metrics import MotScores, RawMetrics, combine, evaluate_sequence
from vigil.eval.motdata import MotSequence, image_paths, load_gt, public_detections
from vigil.eval.references import make_tracker
from vigil.track.base import Tracker
from vigil.types import Detections, Image, Tracks

log = logging.getLogger(__name__)

DetectionSource = Literal["public", "detector"]


@dataclass
class TrackTiming:
    """Seconds spent per stage while tracking one sequence."""

    frames: int = 0
    tracker_seconds: float = 0.0
    detector_seconds: float = 0.0

    @property
    def tracker_fps(self) -> float:
        return self.frames / self.tracker_seconds if self.tracker_seconds > 0 else 0.0


def tracks_to_rows(frame: int, tracks: Tracks) -> npt.NDArray[np.float64]:
    """MOT rows ``frame, id, left, top, width, height, 1, -1, -1, -1`` for one frame's tracks."""
    n = len(tracks)
    rows = np.full((n, 10), -1.0, dtype=np.float64)
    if n:
        xyxy = tracks.xyxy.astype(np.float64)
        rows[:, 0] = frame
        rows[:, 1] = tracks.track_ids
        rows[:, 2:4] = xyxy[:, :2]
        rows[:, 4:6] = xyxy[:, 2:] - xyxy[:, :2]
        rows[:, 6] = 1.0
    return rows


def track_sequence(
    seq: MotSequence,
    tracker: Tracker,
    detections: Mapping[int, Detections] | Detector,
    timing: TrackTiming | None = None,
) -> npt.NDArray[np.float64]:
    """Run ``tracker`` over every frame of ``seq``; return its MOT rows (frame, id, x, y, w, h, 1, -1, -1, -1).

    detections: frame (1-based) -> Detections, or a Detector run on the img1/ images (read with cv2).
    Frame f is given stream time t = (f - 1) / fps. Non-person detections are dropped.
    timing: if given, accumulates frames and the seconds spent in tracker.update / the detector.
    """
    timing = timing if timing is not None else TrackTiming()
    is_detector = not isinstance(detections, Mapping)
    paths = image_paths(seq) if is_detector else {}
    out: list[npt.NDArray[np.float64]] = []
    empty_frames = 0
    for frame in range(1, seq.length + 1):
        if is_detector:
            image: Image | None = cv2.imread(str(paths[frame]), cv2.IMREAD_COLOR)  # type: ignore[assignment]
            if image is None:
                raise DatasetError(f"{paths[frame]}: cannot decode image")
            t0 = time.perf_counter()
            dets = detections.detect(image)  # type: ignore[union-attr]
            timing.detector_seconds += time.perf_counter() - t0
        else:
            found = detections.get(frame)  # type: ignore[union-attr]
            if found is None:
                empty_frames += 1
            dets = found if found is not None else Detections.empty()
        dets = dets[dets.class_ids == PERSON]
        t = (frame - 1) / seq.fps
        t0 = time.perf_counter()
        tracks = tracker.update(dets, t)
        timing.tracker_seconds += time.perf_counter() - t0
        tracker.finished()
        out.append(tracks_to_rows(frame, tracks))
        timing.frames += 1
    if empty_frames:
        log.debug("%s: %s frames had no detections entry", seq.name, empty_frames)
    return np.concatenate(out, axis=0) if out else np.zeros((0, 10))


def write_mot_file(path: Path, rows: npt.NDArray[np.float64]) -> None:
    """Write MOT rows as text (MOTChallenge tracker result format)."""
    order = np.lexsort((rows[:, 1], rows[:, 0])) if len(rows) else np.zeros(0, np.int64)
    lines = [
        f"{int(r[0])},{int(r[1])},{r[2]:.2f},{r[3]:.2f},{r[4]:.2f},{r[5]:.2f},{r[6]:g},-1,-1,-1" for r in rows[order]
    ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    except OSError as e:
        raise VigilError(f"{path}: cannot write tracks: {e}") from e


@dataclass(frozen=True)
class EvalReport:
    """Scores per sequence (by name, in evaluation order) and combined, with tracker timing."""

    tracker: str
    detections: DetectionSource
    sequences: dict[str, MotScores]
    combined: MotScores
    timing: dict[str, TrackTiming]
    raw: dict[str, RawMetrics] = field(repr=False)
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def tracker_fps(self) -> float:
        """Frames per second of tracker.update over all sequences."""
        secs = sum(t.tracker_seconds for t in self.timing.values())
        return sum(t.frames for t in self.timing.values()) / secs if secs > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        seqs = {
            name: {**s.to_json(), "tracker_fps": round(self.timing[name].tracker_fps, 1)}
            for name, s in self.sequences.items()
        }
        return {
            "tracker": self.tracker,
            "detections": self.detections,
            "sequences": seqs,
            "combined": {**self.combined.to_json(), "tracker_fps": round(self.tracker_fps, 1)},
        }


def evaluate(
    sequences: Sequence[MotSequence],
    tracker_name: str,
    detections: DetectionSource = "public",
    cfg: AnalysisConfig | None = None,
    *,
    out_dir: Path | None = None,
    detector: Detector | None = None,
) -> EvalReport:
    """Track and score each sequence with a fresh tracker; combine as TrackEval does.

    detections: "public" (det/det.txt) or "detector" (``detector``, else one made from cfg.detector).
    out_dir: if given, each sequence's tracks are written to ``out_dir/<name>.txt``.
    Every sequence's ground truth is loaded before any tracking, so a missing gt fails fast.
    """
    if not sequences:
        raise DatasetError("no MOT sequences to evaluate")
    if detections not in ("public", "detector"):
        raise DatasetError(f"detections must be 'public' or 'detector', got {detections!r}")
    cfg = cfg if cfg is not None else AnalysisConfig()
    names = [s.name for s in sequences]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise DatasetError(f"two sequences share the name {min(dup)!r}; evaluate them separately")
    gts = {seq.name: load_gt(seq) for seq in sequences}
    if detections == "detector":
        for seq in sequences:
            image_paths(seq)
        if detector is None:
            from vigil.detect import create_detector  # type: ignore[attr-defined,unused-ignore]

            detector = create_detector(cfg.detector)

    scores: dict[str, MotScores] = {}
    raws: dict[str, RawMetrics] = {}
    timings: dict[str, TrackTiming] = {}
    outputs: dict[str, Path] = {}
    for seq in sequences:
        tracker = make_tracker(tracker_name, seq.fps, cfg.tracker)
        source: Mapping[int, Detections] | Detector = public_detections(seq) if detections == "public" else detector  # type: ignore[assignment]
        timing = TrackTiming()
        rows = track_sequence(seq, tracker, source, timing)
        s, raw = evaluate_sequence(gts[seq.name], rows, seq.length, name=seq.name)
        scores[seq.name], raws[seq.name], timings[seq.name] = s, raw, timing
        if out_dir is not None:
            outputs[seq.name] = out_dir / f"{seq.name}.txt"
            write_mot_file(outputs[seq.name], rows)
        log.info(
            "%s: %s on %s frames: HOTA %.3f MOTA %.3f IDF1 %.3f IDSW %s, tracker %.0f frames/s",
            seq.name,
            tracker_name,
            seq.length,
            s.HOTA,
            s.MOTA,
            s.IDF1,
            s.IDSW,
            timing.tracker_fps,
        )
    return EvalReport(
        tracker=tracker_name,
        detections=detections,
        sequences=scores,
        combined=combine(list(raws.values())),
        timing=timings,
        raw=raws,
        outputs=outputs,
    )
