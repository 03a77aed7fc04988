"""The learned scene model: what normal motion looks like per camera, and unusual_activity events.

    learner = SceneLearner(SceneModelConfig())
    for frame in normal_footage: learner.add(frame)
    model = learner.fit(false_alarms_per_hour=1.0); model.save("cam1.npz")

    scorer, detector = SceneScorer(model), UnusualActivityDetector(model, camera="cam1")
    for frame in live: events = detector.update(scorer.score(frame))

Behaviour only: motion statistics per place, never appearance or identity.
"""

from vigil.analytics.scene.calibrate import Calibration, EventGate, calibrate_threshold
from vigil.analytics.scene.detector import KIND, UnusualActivityDetector
from vigil.analytics.scene.learner import SceneLearner
from vigil.analytics.scene.model import SceneModel
from vigil.analytics.scene.scorer import SceneScore, SceneScorer
from vigil.config.scene import SceneModelConfig, UnusualActivityConfig

__all__ = [
    "KIND",
    "Calibration",
    "EventGate",
    "SceneLearner",
    "SceneModel",
    "SceneModelConfig",
    "SceneScore",
    "SceneScorer",
    "UnusualActivityConfig",
    "UnusualActivityDetector",
    "calibrate_threshold",
]
