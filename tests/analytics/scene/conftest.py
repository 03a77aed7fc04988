"""Shared fixtures: a scene model learned once per session on synthetic normal footage."""

from __future__ import annotations

import pytest
from scene_synth import Scene

from vigil.analytics.scene import SceneLearner, SceneModel, SceneModelConfig

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
