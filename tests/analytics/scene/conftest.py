"""Shared fixtures: a scene model learned once per session on synthetic normal footage."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scene_synth import Scene  # noqa: E402

from vigil.analytics.scene import SceneLearner, SceneModel, SceneModelConfig  # noqa: E402

LEARN_SECONDS = 40.0


@pytest.fixture(scope="session")
def synth_scene() -> Scene:
    return Scene(seed=0)


@pytest.fixture(scope="session")
def synth_model(synth_scene: Scene) -> SceneModel:
    learner = SceneLearner(SceneModelConfig())
    for frame in synth_scene.frames(LEARN_SECONDS):
        learner.add(frame)
    return learner.fit(false_alarms_per_hour=1.0)
