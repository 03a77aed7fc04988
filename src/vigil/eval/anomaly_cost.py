"""What the behaviour rules and the scene model cost per frame: ``python -m vigil.eval.anomaly_cost VIDEO --config CFG``.

Runs the detector and tracker over ``VIDEO`` once, keeps the tracks, then times only
the analytics as :class:`vigil.pipeline.camera.CameraPipeline` runs them (the engine with
the frame, the scene model, one flow shared where it can be), in CPU time of the
thread (less sensitive to a busy machine than wall time) and in wall-clock time, best of ``--repeat`` runs.
Prints the rules alone, and the rules with the scene model when ``scene_model`` is set.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vigil.analytics.engine import AnalyticsEngine
from vigil.analytics.scene import SceneModel, SceneScorer, UnusualActivityDetector
from vigil.config import AnalysisConfig, load_yaml
from vigil.sources import open_source
from vigil.types import Tracks

log = logging.getLogger(__name__)


def _tracks(video: Path, cfg: AnalysisConfig) -> list[Tracks]:
    from vigil.detect import create_detector
    from vigil.track import VigilTracker

    detector, tracker = create_detector(cfg.detector), VigilTracker(cfg.tracker)
    with open_source(str(video), name=cfg.camera) as source:
        return [tracker.update(detector.detect(f.image), f.pts) for f in source]


def time_analytics(
    video: Path, cfg: AnalysisConfig, tracks: list[Tracks], scene: bool, clock: Callable[[], float] = time.thread_time
) -> float:
    """Seconds per frame of the analytics over ``video`` with the given ``tracks`` (one per frame), by ``clock``
    (default: CPU time of the thread; ``time.perf_counter`` for wall-clock)."""
    engine = AnalyticsEngine.from_config(cfg)
    scorer = unusual = None
    if scene and cfg.scene_model is not None:
        model = SceneModel.load(cfg.scene_model)
        unusual = UnusualActivityDetector(model, cfg.unusual_activity, cfg.camera)
        scorer = SceneScorer(model, threshold=unusual.threshold)
        engine.share_flow(scorer.flow)
    spent, n = 0.0, 0
    with open_source(str(video), name=cfg.camera) as source:
        for frame, tr in zip(source, tracks, strict=False):
            t0 = clock()
            engine.evaluate(tr, frame.pts, (frame.width, frame.height), image=frame.image)
            if scorer is not None and unusual is not None:
                unusual.update(scorer.score(frame, tr))
            spent += clock() - t0
            n += 1
    return spent / max(n, 1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vigil.eval.anomaly_cost", description=__doc__.splitlines()[0])
    p.add_argument("video", type=Path)
    p.add_argument("--config", type=Path, help="analysis YAML (rules, zones, lines, scene_model)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    cfg = load_yaml(args.config, AnalysisConfig) if args.config else AnalysisConfig()
    tracks = _tracks(args.video, cfg)
    out: dict[str, Any] = {"video": str(args.video), "frames": len(tracks), "rules": [r.type for r in cfg.rules]}
    for key, scene in (("rules_ms_per_frame", False), ("rules_and_scene_ms_per_frame", True)):
        if scene and cfg.scene_model is None:
            continue
        for suffix, clock, what in (("", time.thread_time, "CPU"), ("_wall", time.perf_counter, "wall-clock")):
            best = min(time_analytics(args.video, cfg, tracks, scene, clock) for _ in range(max(1, args.repeat)))
            out[key + suffix] = round(1000.0 * best, 3)
            print(f"{key}{suffix}: {out[key + suffix]:.3f} ({what}, best of {args.repeat})")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
