"""Object detection: the Detector interface, the YOLOX ONNX backend and model files.

``create_detector(cfg)`` finds the model named in the config (local copies first,
else a verified download) and returns a ready :class:`Detector`.

This package's import stays light (no ONNX Runtime, no config): the config tree
imports ``vigil.detect.classes``, and the backend is loaded only when a detector is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vigil.detect.base import Detector, StageTimes

if TYPE_CHECKING:
    from vigil.config.models import DetectorConfig

__all__ = ["Detector", "StageTimes", "create_detector"]


def create_detector(cfg: DetectorConfig) -> Detector:
    """The detector ``cfg`` describes (model resolved, session open, ready to ``detect``).

    Raises ModelNotFoundError / ModelInvalidError (vigil.errors) when the model cannot be
    had or loaded.
    """
    from vigil.detect.backends.yolox_onnx import DEFAULT_DYNAMIC_INPUT, YoloxOnnxDetector
    from vigil.detect.classes import CLASS_IDS
    from vigil.detect.models import lookup_spec, resolve_model

    path = resolve_model(cfg.model, model_dir=cfg.model_dir)
    spec = lookup_spec(path.name)
    return YoloxOnnxDetector(
        path,
        input_size=cfg.input_size,
        score_threshold=cfg.score_threshold,
        nms_threshold=cfg.nms_threshold,
        class_ids=[CLASS_IDS[name] for name in cfg.classes],
        threads=cfg.threads,
        default_input_size=spec.input_size if spec is not None else DEFAULT_DYNAMIC_INPUT,
    )
