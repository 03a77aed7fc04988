"""Synthetic tracks for rule tests, and a driver that runs the real pipeline on a video.

Actors move along piecewise-linear paths of their *feet* in pixels; each frame
renders them into ``vigil.types.Tracks`` (person boxes are 0.4 h wide and h tall
above the feet). Occlusion gaps, id switches and seeded detection jitter are options.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vigil.analytics import AnalyticsEngine
from vigil.config.models import AnalysisConfig
from vigil.detect.classes import CLASS_IDS
from vigil.types import Event, Tracks

SIZE = (640, 480)


@dataclass
class Actor:
    """One object. ``path``: [(t, x, y), ...] of the feet in pixels, linear in between, held at the ends."""

    track_id: int
    path: Sequence[tuple[float, float, float]]
    height: float = 80.0
    cls: str = "person"
    appear: float | None = None  # default: first path time
    vanish: float | None = None  # default: last path time
    gaps: Sequence[tuple[float, float]] = ()  # [start, end) not reported
    switch: tuple[float, int] | None = None  # (time, new id): reported under the new id from then on
    width_ratio: float = 0.4
    score: float = 0.9

    def at(self, t: float) -> tuple[float, float] | None:
        t0 = self.path[0][0] if self.appear is None else self.appear
        t1 = self.path[-1][0] if self.vanish is None else self.vanish
        if t < t0 - 1e-9 or t > t1 + 1e-9 or any(a <= t < b for a, b in self.gaps):
            return None
        ts = [p[0] for p in self.path]
        return float(np.interp(t, ts, [p[1] for p in self.path])), float(np.interp(t, ts, [p[2] for p in self.path]))

    def id_at(self, t: float) -> int:
        if self.switch is not None and t >= self.switch[0]:
            return self.switch[1]
        return self.track_id


def line_path(t0: float, x0: float, y0: float, t1: float, x1: float, y1: float) -> list[tuple[float, float, float]]:
    return [(t0, x0, y0), (t1, x1, y1)]


def moving(t0: float, x0: float, y0: float, vx: float, vy: float, t1: float) -> list[tuple[float, float, float]]:
    """Constant velocity (pixels/s) from (x0, y0) at t0 until t1."""
    return [(t0, x0, y0), (t1, x0 + vx * (t1 - t0), y0 + vy * (t1 - t0))]


def frames(
    actors: Iterable[Actor], fps: float, duration: float, jitter: float = 0.0, seed: int = 0, start: float = 0.0
) -> list[tuple[float, Tracks]]:
    """Tracks at ``fps`` for ``duration`` seconds; ``jitter``: Gaussian box noise, as a fraction of height."""
    acts = list(actors)
    rng = np.random.default_rng(seed)
    out = []
    n = int(round(duration * fps))
    for k in range(n + 1):
        t = start + k / fps
        boxes, ids, classes = [], [], []
        for a in acts:
            p = a.at(t)
            if p is None:
                continue
            x, y = p
            h = a.height
            w = a.width_ratio * h
            box = np.array([x - w / 2, y - h, x + w / 2, y])
            if jitter:
                box = box + rng.normal(0.0, jitter * h, 4)
            boxes.append(box)
            ids.append(a.id_at(t))
            classes.append(CLASS_IDS[a.cls])
        out.append(
            (t, Tracks(np.array(boxes, np.float32).reshape(-1, 4), ids, np.full(len(ids), 0.9, np.float32), classes))
        )
    return out


def run(
    engine: AnalyticsEngine,
    seq: Sequence[tuple[float, Tracks]],
    size: tuple[int, int] = SIZE,
    wall0: float | None = None,
    close: bool = True,
) -> list[Event]:
    """Feed frames to ``engine``; wall time is ``wall0 + t`` when given. Ongoing events end at the last frame."""
    events: list[Event] = []
    for t, tracks in seq:
        events.extend(engine.evaluate(tracks, t, size, None if wall0 is None else wall0 + t))
    if close and seq:
        events.extend(engine.close(seq[-1][0]))
    return events


def of(events: Iterable[Event], kind: str, phase: str | None = None) -> list[Event]:
    return [e for e in events if e.kind == kind and (phase is None or e.phase == phase)]


def run_rules_on_video(
    path: str | Path,
    cfg: AnalysisConfig,
    *,
    mask_rows: int = 0,
    max_seconds: float | None = None,
) -> list[Event]:
    """Detector + tracker + analytics over a video file, through the public APIs; returns every event.

    The engine gets each (masked) frame as ``vigil analyze`` gives it: rules with ``motion: true`` read
    the crowd's dense motion. ``mask_rows``: blank the top rows of every frame before detection (UMN burns its label there).
    """
    from vigil.detect import create_detector
    from vigil.sources import open_source
    from vigil.track import VigilTracker
    from vigil.types import Frame

    detector = create_detector(cfg.detector)
    tracker = VigilTracker(cfg.tracker)
    engine = AnalyticsEngine.from_config(cfg)
    events: list[Event] = []
    last_t = 0.0
    with open_source(str(path), name=cfg.camera) as source:
        for frame in source:
            if max_seconds is not None and frame.pts > max_seconds:
                break
            image = frame.image
            if mask_rows:
                image = image.copy()
                image[:mask_rows] = 0
                frame = Frame(image, frame.index, frame.pts)
            tracks = tracker.update(detector.detect(frame.image), frame.pts)
            events.extend(engine.evaluate(tracks, frame.pts, (frame.width, frame.height), image=frame.image))
            last_t = frame.pts
    events.extend(engine.close(last_t))
    return events


def angle_path(
    cx: float, cy: float, r0: float, r1: float, angle: float, t0: float, t1: float
) -> list[tuple[float, float, float]]:
    """Radial motion from radius r0 to r1 at ``angle`` (radians) around (cx, cy)."""
    c, s = math.cos(angle), math.sin(angle)
    return [(t0, cx + r0 * c, cy + r0 * s), (t1, cx + r1 * c, cy + r1 * s)]
