"""The public surface of vigil.detect, and that importing it (or the config) stays light."""

from __future__ import annotations

import subprocess
import sys

import vigil.detect


def test_public_surface() -> None:
    assert sorted(vigil.detect.__all__) == ["Detector", "StageTimes", "create_detector"]


def test_config_and_detect_import_without_onnx_runtime() -> None:
    code = (
        "import sys, vigil.config, vigil.detect, vigil.detect.classes\n"
        "assert 'onnxruntime' not in sys.modules, 'onnxruntime imported eagerly'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
