"""YOLOX-Nano on vtest.avi (shared data; skipped without it).

Reference (data/models/SOURCES.md): frames 0 / 100 / 400 hold 4 / 7 / 4 persons at
score >= 0.3 after NMS 0.45, with boxes on the walkers.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vigil.config.models import DetectorConfig
from vigil.detect import create_detector
from vigil.detect.backends.yolox_onnx import YoloxOnnxDetector, open_session
from vigil.detect.classes import PERSON
from vigil.detect.letterbox import Letterbox
from vigil.detect.nms import nms, nms_reference
from vigil.detect.yolox_decode import AnchorGrid, decode
from vigil.errors import ModelInvalidError
from vigil.types import Image

pytestmark = pytest.mark.data

EXPECTED_PERSONS = {0: 4, 100: 7, 400: 4}


@pytest.fixture(scope="module")
def frames(data_dir: Path) -> dict[int, Image]:
    path = data_dir / "videos" / "vtest.avi"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    cap = cv2.VideoCapture(str(path))
    out: dict[int, Image] = {}
    try:
        for i in range(max(EXPECTED_PERSONS) + 1):
            if i in EXPECTED_PERSONS:
                ok, img = cap.read()
                assert ok, f"{path}: cannot read frame {i}"
                out[i] = img
            else:
                assert cap.grab(), f"{path}: cannot read frame {i}"
    finally:
        cap.release()
    return out


@pytest.fixture(scope="module")
def nano(models_dir: Path) -> YoloxOnnxDetector:
    return YoloxOnnxDetector(models_dir / "yolox_nano.onnx", score_threshold=0.3, class_ids=[PERSON], threads=2)


@pytest.mark.parametrize("index", sorted(EXPECTED_PERSONS))
def test_persons_on_vtest_frames(nano: YoloxOnnxDetector, frames: dict[int, Image], index: int) -> None:
    img = frames[index]
    d = nano.detect(img)
    assert abs(len(d) - EXPECTED_PERSONS[index]) <= 1, (index, len(d), d.scores)
    assert (d.class_ids == PERSON).all()
    assert ((d.scores >= 0.3) & (d.scores <= 1.0)).all()
    h, w = img.shape[:2]
    x1, y1, x2, y2 = d.xyxy.T
    assert ((0 <= x1) & (x1 < x2) & (x2 <= w) & (0 <= y1) & (y1 < y2) & (y2 <= h)).all()
    heights = y2 - y1
    assert ((heights > 25) & (heights < 200)).all()  # pedestrians in this 768x576 scene, not noise


def test_create_detector_from_the_default_config(models_dir: Path, frames: dict[int, Image]) -> None:
    det = create_detector(DetectorConfig(model_dir=models_dir))
    assert isinstance(det, YoloxOnnxDetector) and det.input_size == (416, 416)
    d = det.detect(frames[100])
    assert int((d[d.scores >= 0.3].class_ids == PERSON).sum()) >= 6
    assert det.times.calls == 1


def test_the_fixed_416_model_refuses_another_input_size(models_dir: Path) -> None:
    with pytest.raises(ModelInvalidError, match=r"yolox_nano\.onnx has a fixed input of 416x416.*input_size is 640"):
        create_detector(DetectorConfig(model_dir=models_dir, input_size=640))


def test_opencv_nms_agrees_with_the_reference_on_real_outputs(models_dir: Path, frames: dict[int, Image]) -> None:
    session = open_session(models_dir / "yolox_nano.onnx", threads=2)
    grid = AnchorGrid.for_input(416, 416)
    letterbox = Letterbox(416, 416)
    for img in frames.values():
        raw = session.run(None, {"images": letterbox(img)})[0][0]
        xyxy, scores, class_ids = decode(raw, grid, 0.05)
        assert len(xyxy) > 20
        for thr in (0.3, 0.45, 0.65):
            assert nms(xyxy, scores, class_ids, thr).tolist() == nms_reference(xyxy, scores, class_ids, thr).tolist()
            assert np.isfinite(xyxy).all()
