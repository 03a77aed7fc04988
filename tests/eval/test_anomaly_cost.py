"""The analytics cost timer behind BENCHMARKS' cost table (``python -m vigil.eval.anomaly_cost``)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "analytics" / "scene"))
from scene_synth import Scene

from vigil.analytics.scene import SceneLearner, SceneModelConfig
from vigil.config import AnalysisConfig, parse_yaml
from vigil.eval.anomaly_cost import time_analytics
from vigil.types import Tracks

EMPTY = Tracks(np.zeros((0, 4), np.float32), [], np.zeros(0, np.float32), [])


def test_scene_model_cost_is_timed_beside_the_rules(tmp_path: Path) -> None:
    frames = list(Scene(2).frames(6.0))
    video = tmp_path / "clip.avi"
    h, w = frames[0].image.shape[:2]
    out = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (w, h))
    for f in frames:
        out.write(f.image)
    out.release()
    learner = SceneLearner(SceneModelConfig())
    for f in frames:
        learner.add(f)
    model = learner.fit(1.0).save(tmp_path / "m.npz")
    cfg = parse_yaml(f"scene_model: {model}\nrules:\n  - {{type: crowd_running, motion: true}}\n", AnalysisConfig)
    tracks = [EMPTY] * len(frames)
    rules = time_analytics(video, cfg, tracks, scene=False)
    both = time_analytics(video, cfg, tracks, scene=True)
    assert 0.0 < rules and 0.0 < both
    plain = time_analytics(video, AnalysisConfig(), tracks, scene=True)  # no scene model: the rules only
    assert plain < both
