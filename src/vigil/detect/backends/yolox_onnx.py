"""YOLOX (nano .. x) on ONNX Runtime, CPU.

Per frame: letterbox into a preallocated input tensor, run the session with the
input and output bound to preallocated arrays (no per-frame allocation of the 1 MB
head output), decode only the anchors whose objectness passes the score threshold,
then class-aware NMS and the mapping back to source pixels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from vigil.detect.base import StageTimes
from vigil.detect.classes import COCO_CLASSES
from vigil.detect.letterbox import Letterbox
from vigil.detect.nms import nms
from vigil.detect.yolox_decode import BOX_COLUMNS, STRIDES, AnchorGrid, decode, looks_decoded
from vigil.errors import ModelInvalidError, ModelNotFoundError
from vigil.types import Detections, FloatArray, Image

log = logging.getLogger(__name__)

NUM_CLASSES = len(COCO_CLASSES)
DEFAULT_DYNAMIC_INPUT = 640  # YOLOX's own default when a model accepts any size


def open_session(model_path: Path, threads: int) -> ort.InferenceSession:
    """An ONNX Runtime CPU session tuned for one stream on a few cores.

    Raises ModelNotFoundError when the file is missing and ModelInvalidError when
    ONNX Runtime cannot load it.
    """
    if not model_path.is_file():
        raise ModelNotFoundError(f"model file {model_path} does not exist")
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3  # errors only: ORT's warnings go to stderr, not our logs
    try:
        return ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])
    except Exception as e:  # ORT raises its own types (InvalidProtobuf, Fail, ...) without a common base
        raise ModelInvalidError(f"ONNX Runtime could not load model file {model_path}: {e}") from e


def _static(dim: object) -> int | None:
    return dim if isinstance(dim, int) and dim > 0 else None


class YoloxOnnxDetector:
    """``detect(image_bgr) -> Detections`` with a YOLOX ONNX model.

    model_path: the .onnx file. input_size: network input side in pixels; must match
    a model with a fixed input shape (None: take the model's), and picks the size of
    a model with a dynamic one (None: ``default_input_size``). score_threshold: keep
    detections with obj * class score at or above it. nms_threshold: IoU above which
    a box of the same class is suppressed. class_ids: COCO ids to keep (None: all).
    threads: ONNX Runtime intra-op threads (0: its default).

    ``times`` accumulates seconds spent in preprocess, inference and postprocess.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        input_size: int | None = None,
        score_threshold: float = 0.1,
        nms_threshold: float = 0.45,
        class_ids: Sequence[int] | None = None,
        threads: int = 2,
        default_input_size: int = DEFAULT_DYNAMIC_INPUT,
    ) -> None:
        self.model_path = Path(model_path)
        self.score_threshold = float(score_threshold)
        self.nms_threshold = float(nms_threshold)
        self.times = StageTimes()
        self._class_mask = np.ones(NUM_CLASSES, np.bool_)
        if class_ids is not None:
            bad = [c for c in class_ids if not 0 <= c < NUM_CLASSES]
            if bad:
                raise ValueError(f"class ids {bad} are outside COCO's 0..{NUM_CLASSES - 1}")
            self._class_mask[:] = False
            self._class_mask[list(class_ids)] = True

        self._session = open_session(self.model_path, threads)
        height, width = self._check_input(input_size, default_input_size)
        self.input_size = (height, width)
        self._grid = AnchorGrid.for_input(height, width)
        self._check_output()
        self._letterbox = Letterbox(height, width)
        self._output: FloatArray = np.empty((1, len(self._grid), BOX_COLUMNS + NUM_CLASSES), np.float32)
        self._binding = self._session.io_binding()
        self._binding.bind_cpu_input(self._input_name, self._letterbox.tensor)
        o = self._output
        self._binding.bind_output(self._output_name, "cpu", 0, np.float32, list(o.shape), o.ctypes.data)
        self._decoded: bool | None = None  # found on the first frame
        log.info(
            "detector %s: input %dx%d, %d anchors, %d thread(s)",
            self.model_path, width, height, len(self._grid), threads,
        )

    def _check_input(self, input_size: int | None, default_input_size: int) -> tuple[int, int]:
        inputs = self._session.get_inputs()
        if len(inputs) != 1 or len(inputs[0].shape) != 4 or inputs[0].type != "tensor(float)":
            got = [(i.name, i.shape, i.type) for i in inputs]
            raise ModelInvalidError(
                f"model file {self.model_path} is not a YOLOX export: expected one float32 input "
                f"[1, 3, H, W], got {got}"
            )
        inp = inputs[0]
        self._input_name = inp.name
        n, c, h, w = (_static(d) for d in inp.shape)
        if (n is not None and n != 1) or (c is not None and c != 3):
            raise ModelInvalidError(
                f"model file {self.model_path}: input {inp.name} has shape {inp.shape}; expected [1, 3, H, W]"
            )
        if h is not None and w is not None:
            if input_size is not None and (h, w) != (input_size, input_size):
                raise ModelInvalidError(
                    f"model file {self.model_path} has a fixed input of {w}x{h} pixels, but input_size "
                    f"is {input_size}: leave detector input_size unset to use the model's, or use a model "
                    f"exported for {input_size}"
                )
        else:
            side = input_size if input_size is not None else default_input_size
            h, w = h or side, w or side
        if h % STRIDES[-1] or w % STRIDES[-1]:
            raise ModelInvalidError(
                f"model file {self.model_path}: input {w}x{h} is not a multiple of {STRIDES[-1]} pixels"
            )
        return h, w

    def _check_output(self) -> None:
        outputs = self._session.get_outputs()
        anchors = len(self._grid)
        self._output_name = outputs[0].name
        shape = outputs[0].shape
        fits = (
            len(outputs) == 1
            and len(shape) == 3
            and _static(shape[0]) in (None, 1)
            and _static(shape[1]) in (None, anchors)
            and _static(shape[2]) in (None, BOX_COLUMNS + NUM_CLASSES)
        )
        if not fits:
            got = [(o.name, o.shape) for o in outputs]
            raise ModelInvalidError(
                f"model file {self.model_path} has output(s) {got}; expected one [1, {anchors}, "
                f"{BOX_COLUMNS + NUM_CLASSES}] (YOLOX head without NMS, COCO-80, strides 8/16/32 "
                f"for a {self.input_size[1]}x{self.input_size[0]} input)"
            )

    def detect(self, image: Image) -> Detections:
        """Detections in the pixel frame of ``image`` ((H, W, 3) uint8 BGR)."""
        t0 = time.perf_counter()
        self._letterbox(image)
        t1 = time.perf_counter()
        try:
            self._session.run_with_iobinding(self._binding)
        except Exception as e:  # a dynamic model may only reveal a wrong output shape when run
            raise ModelInvalidError(f"model file {self.model_path} failed to run: {e}") from e
        t2 = time.perf_counter()
        dets = self._postprocess(self._output[0], image.shape[0], image.shape[1])
        t3 = time.perf_counter()
        times = self.times
        times.preprocess += t1 - t0
        times.inference += t2 - t1
        times.postprocess += t3 - t2
        times.calls += 1
        return dets

    def _postprocess(self, raw: FloatArray, height: int, width: int) -> Detections:
        if self._decoded is None:
            self._decoded = looks_decoded(raw)
            if self._decoded:
                log.info("model %s outputs decoded boxes (decode in graph)", self.model_path.name)
        xyxy, scores, class_ids = decode(raw, self._grid, self.score_threshold, self._class_mask, self._decoded)
        keep = nms(xyxy, scores, class_ids, self.nms_threshold)
        xyxy = xyxy[keep]
        xyxy *= np.float32(1.0 / self._letterbox.ratio)
        np.clip(xyxy[:, 0::2], 0.0, width, out=xyxy[:, 0::2])
        np.clip(xyxy[:, 1::2], 0.0, height, out=xyxy[:, 1::2])
        return Detections(xyxy, scores[keep], class_ids[keep])
