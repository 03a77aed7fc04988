"""YoloxOnnxDetector end to end on tiny generated ONNX models with a known head output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vigil.config.models import DetectorConfig
from vigil.detect import Detector, create_detector
from vigil.detect.backends.yolox_onnx import YoloxOnnxDetector
from vigil.detect.yolox_decode import AnchorGrid
from vigil.errors import ModelInvalidError, ModelNotFoundError

PERSON, DOG = 0, 16
GRID = AnchorGrid.for_input(64, 64)


def _head() -> np.ndarray:
    """[1, 84, 85]: a person at input box [20, 2, 36, 34] (0.72), a weaker duplicate, a dog."""
    raw = np.zeros((1, len(GRID), 85), np.float32)
    raw[0, :, 0:2] = 0.5
    raw[0, 19, :5] = (0.5, 0.25, np.log(2.0), np.log(4.0), 0.9)  # cell (3, 2), stride 8
    raw[0, 19, 5 + PERSON] = 0.8
    raw[0, 20, :5] = (-0.5, 0.25, np.log(2.0), np.log(4.0), 0.5)  # cell (4, 2): the same box
    raw[0, 20, 5 + PERSON] = 1.0
    raw[0, 64, :5] = (0.5, 0.5, 0.0, 0.0, 0.9)  # stride 16, cell (0, 0): box [0, 0, 16, 16]
    raw[0, 64, 5 + DOG] = 0.9
    return raw


def _frame(h: int, w: int) -> np.ndarray:
    return np.full((h, w, 3), 90, np.uint8)


def test_boxes_come_back_in_source_pixels(make_model) -> None:
    det = YoloxOnnxDetector(make_model(_head(), [1, 3, 64, 64]), score_threshold=0.3, class_ids=[PERSON])
    assert isinstance(det, Detector)
    assert det.input_size == (64, 64)
    d = det.detect(_frame(256, 256))  # ratio 0.25: input pixels x 4
    assert d.class_ids.tolist() == [PERSON]  # duplicate suppressed by NMS, dog filtered out
    np.testing.assert_allclose(d.xyxy, [[80, 8, 144, 136]], atol=1e-4)
    np.testing.assert_allclose(d.scores, [0.72], atol=1e-6)


def test_all_classes_when_no_filter_and_threshold_drops_weak_ones(make_model) -> None:
    det = YoloxOnnxDetector(make_model(_head(), [1, 3, 64, 64]), score_threshold=0.75)
    d = det.detect(_frame(64, 64))
    assert d.class_ids.tolist() == [DOG]  # 0.81 passes; person 0.72 does not
    np.testing.assert_allclose(d.xyxy, [[0, 0, 16, 16]], atol=1e-5)


def test_boxes_are_clipped_to_the_frame(make_model) -> None:
    raw = np.zeros((1, len(GRID), 85), np.float32)
    raw[0, 82, :5] = (0.0, 0.0, 0.0, 0.0, 0.9)  # stride 32, cell (0, 1): input box [-16, 16, 16, 48]
    raw[0, 82, 5 + PERSON] = 0.9
    det = YoloxOnnxDetector(make_model(raw, [1, 3, 64, 64]))
    d = det.detect(_frame(128, 256))  # ratio 0.25: [-64, 64, 64, 192] -> clipped to the 256x128 frame
    np.testing.assert_allclose(d.xyxy, [[0, 64, 64, 128]], atol=1e-4)


def test_stage_times_accumulate(make_model) -> None:
    det = YoloxOnnxDetector(make_model(_head(), [1, 3, 64, 64]))
    det.detect(_frame(48, 64))
    det.detect(_frame(48, 64))
    t = det.times
    assert t.calls == 2
    assert t.preprocess > 0 and t.inference > 0 and t.postprocess > 0


def test_fixed_input_that_disagrees_with_input_size_is_refused(make_model) -> None:
    path = make_model(_head(), [1, 3, 64, 64], name="fixed64.onnx")
    with pytest.raises(ModelInvalidError, match=r"fixed64\.onnx has a fixed input of 64x64.*input_size is 128"):
        YoloxOnnxDetector(path, input_size=128)
    assert YoloxOnnxDetector(path, input_size=64).input_size == (64, 64)


def test_dynamic_input_takes_input_size_and_checks_the_anchor_count(make_model) -> None:
    path = make_model(_head(), [1, 3, "height", "width"], [1, "anchors", 85], name="dyn.onnx")
    det = YoloxOnnxDetector(path, input_size=64)
    assert det.input_size == (64, 64)
    assert len(det.detect(_frame(64, 64))) > 0
    # 640 (the dynamic default) needs 8400 anchors; this model always gives 84
    with pytest.raises(ModelInvalidError, match=r"dyn\.onnx.*\[1, 8400, 85\]"):
        YoloxOnnxDetector(path)


@pytest.mark.parametrize(
    ("output", "out_shape"),
    [
        (np.zeros((1, 84, 6), np.float32), None),  # wrong class count
        (np.zeros((1, 100, 85), np.float32), None),  # wrong anchor count
        (np.zeros((1, 85, 84), np.float32), None),  # transposed layout
        (np.zeros((84, 85), np.float32), None),  # no batch axis
    ],
)
def test_wrong_output_shape_is_refused_naming_the_file(make_model, output: np.ndarray, out_shape) -> None:
    path = make_model(output, [1, 3, 64, 64], out_shape, name="odd_head.onnx")
    with pytest.raises(ModelInvalidError, match=r"odd_head\.onnx has output.*expected one \[1, 84, 85\]"):
        YoloxOnnxDetector(path)


def test_input_that_is_not_an_image_tensor_is_refused(make_model) -> None:
    path = make_model(_head(), [1, 64], name="flat.onnx")
    with pytest.raises(ModelInvalidError, match=r"flat\.onnx is not a YOLOX export"):
        YoloxOnnxDetector(path)


def test_exports_with_decode_in_the_graph_give_the_same_boxes(make_model) -> None:
    raw = np.zeros((1, len(GRID), 85), np.float32)
    raw[0, :, 0] = (GRID.gx + 0.5) * GRID.stride  # already pixels: cx, cy, w, h
    raw[0, :, 1] = (GRID.gy + 0.5) * GRID.stride
    raw[0, :, 2:4] = GRID.stride[:, None]
    raw[0, 19, :5] = (28.0, 18.0, 16.0, 32.0, 0.9)
    raw[0, 19, 5 + PERSON] = 0.8
    det = YoloxOnnxDetector(make_model(raw, [1, 3, 64, 64]), score_threshold=0.5)
    d = det.detect(_frame(256, 256))
    np.testing.assert_allclose(d.xyxy, [[80, 8, 144, 136]], atol=1e-4)


@pytest.mark.parametrize(
    "content", [b"\x00\xff" * 500 + bytes(range(256)), b"this is a text file, not a model\n"], ids=["random", "text"]
)
def test_a_file_onnx_runtime_cannot_load_is_invalid(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelInvalidError, match=r"ONNX Runtime could not load model file .*broken\.onnx"):
        YoloxOnnxDetector(path)


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"nothere\.onnx does not exist"):
        YoloxOnnxDetector(tmp_path / "nothere.onnx")


def test_class_ids_outside_coco_are_refused(make_model) -> None:
    with pytest.raises(ValueError, match=r"\[80\]"):
        YoloxOnnxDetector(make_model(_head(), [1, 3, 64, 64]), class_ids=[0, 80])


def test_create_detector_from_config_with_a_model_path(make_model) -> None:
    path = make_model(_head(), [1, 3, 64, 64])
    det = create_detector(DetectorConfig(model=str(path), classes=("dog",), score_threshold=0.5, threads=1))
    d = det.detect(_frame(64, 64))
    assert d.class_ids.tolist() == [DOG]
