"""Fixtures for the detector tests.

``make_model`` writes tiny ONNX models without the ``onnx`` package (hand-encoded
protobuf): a graph with one float input ``images`` and one output ``output`` that
always holds an array the test chose. That drives the detector end to end
(letterbox, session, decode, NMS, mapping back) with a known head output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

Dim = int | str  # a fixed size, or a symbolic (dynamic) one


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _varint(field << 3 | 2) + _varint(len(data)) + data


def _value_info(name: str, shape: list[Dim]) -> bytes:
    dims = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _bytes(2, d)) for d in shape)
    tensor_type = _int(1, 1) + _bytes(2, dims)  # elem_type FLOAT, shape
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def constant_model(
    path: Path,
    output: npt.NDArray[np.float32],
    input_shape: list[Dim],
    output_shape: list[Dim] | None = None,
) -> Path:
    """Save a model whose ``output`` is always ``output`` and whose input is ``images``."""
    tensor = b"".join(_int(1, d) for d in output.shape) + _int(2, 1) + _bytes(8, "C")
    tensor += _bytes(9, np.ascontiguousarray(output, np.float32).tobytes())
    node = _bytes(1, "C") + _bytes(2, "output") + _bytes(3, "identity") + _bytes(4, "Identity")
    graph = (
        _bytes(1, node)
        + _bytes(2, "constant_head")
        + _bytes(5, tensor)
        + _bytes(11, _value_info("images", input_shape))
        + _bytes(12, _value_info("output", list(output.shape) if output_shape is None else output_shape))
    )
    model = _int(1, 8) + _bytes(2, "vigil-tests") + _bytes(7, graph) + _bytes(8, _int(2, 17))
    path.write_bytes(model)
    return path


MakeModel = Callable[..., Path]


@pytest.fixture
def make_model(tmp_path: Path) -> MakeModel:
    """``make_model(output, input_shape, output_shape=None, name="m.onnx") -> Path``."""

    def make(
        output: npt.NDArray[np.float32],
        input_shape: list[Dim],
        output_shape: list[Dim] | None = None,
        name: str = "m.onnx",
    ) -> Path:
        return constant_model(tmp_path / name, output, input_shape, output_shape)

    return make
