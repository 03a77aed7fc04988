"""Synthetic scenes for tracker tests: boxes moving in straight lines, sampled at any rate.

A ``Walker`` is one object: where it starts, how fast it moves, when it is visible
and when the detector misses it or scores it low. ``render`` samples a scene at a
frame rate into per-frame ``Detections`` plus the true boxes; ``ids_per_walker``
reads back which track ids the tracker gave each walker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from vigil.track.matching import iou_matrix
from vigil.types import Detections, Tracks

Interval = tuple[float, float]


@dataclass(frozen=True)
class Walker:
    """A box of ``size`` (w, h) px whose centre is ``start`` + ``velocity`` * (t - t0), visible in [t0, t1).

    hidden: intervals with no detection (occlusion); low: intervals with ``low_score``.
    """

    start: tuple[float, float]
    velocity: tuple[float, float] = (0.0, 0.0)
    t0: float = 0.0
    t1: float = float("inf")
    size: tuple[float, float] = (40.0, 100.0)
    score: float = 0.9
    low_score: float = 0.3
    class_id: int = 0
    hidden: tuple[Interval, ...] = ()
    low: tuple[Interval, ...] = ()

    def box(self, t: float) -> np.ndarray:
        cx = self.start[0] + self.velocity[0] * (t - self.t0)
        cy = self.start[1] + self.velocity[1] * (t - self.t0)
        w, h = self.size
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])

    def visible(self, t: float) -> bool:
        return self.t0 <= t < self.t1

    def detected(self, t: float) -> bool:
        return self.visible(t) and not any(a <= t < b for a, b in self.hidden)

    def score_at(self, t: float) -> float:
        return self.low_score if any(a <= t < b for a, b in self.low) else self.score


@dataclass(frozen=True)
class SceneFrame:
    t: float
    detections: Detections
    truth: dict[int, np.ndarray]  # walker index -> true box, for walkers in view (detected or not)
    detected: frozenset[int]  # walkers detected in this frame


def render(
    walkers: list[Walker], fps: float, duration: float, jitter: float = 0.0, seed: int = 0
) -> list[SceneFrame]:
    """Sample the scene every 1/fps s; ``jitter`` is the box noise std as a fraction of box height."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(int(round(duration * fps))):
        t = i / fps
        boxes, scores, classes, truth, seen = [], [], [], {}, set()
        for k, w in enumerate(walkers):
            if not w.visible(t):
                continue
            b = w.box(t)
            truth[k] = b
            if w.detected(t):
                boxes.append(b + rng.normal(0.0, jitter * w.size[1], 4))
                scores.append(w.score_at(t))
                classes.append(w.class_id)
                seen.add(k)
        dets = Detections(np.array(boxes).reshape(-1, 4), scores, classes)
        frames.append(SceneFrame(t, dets, truth, frozenset(seen)))
    return frames


def run(tracker: object, frames: list[SceneFrame]) -> list[Tracks]:
    return [tracker.update(f.detections, f.t) for f in frames]  # type: ignore[attr-defined]


def ids_per_walker(frames: list[SceneFrame], outputs: list[Tracks], min_iou: float = 0.5) -> dict[int, list[int]]:
    """For each walker, the ids of the reported tracks matched to its true box, frame by frame.

    Matching is one-to-one by IoU (as CLEAR MOT scores), so one track covering two
    overlapping walkers counts for one of them only.
    """
    out: dict[int, list[int]] = {}
    for f, tracks in zip(frames, outputs, strict=True):
        if not f.truth or len(tracks) == 0:
            continue
        keys = list(f.truth)
        iou = iou_matrix(np.stack([f.truth[k] for k in keys]), tracks.xyxy.astype(np.float64))
        rows, cols = linear_sum_assignment(-iou)
        for row, j in zip(rows, cols, strict=True):
            if iou[row, j] >= min_iou:
                out.setdefault(keys[row], []).append(int(tracks.track_ids[j]))
    return out


def distinct(ids: list[int]) -> list[int]:
    """Ids in order of first appearance."""
    return list(dict.fromkeys(ids))
