"""Synthetic frames and tracks for the output tests (no shared data needed)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from vigil.types import Frame, Tracks

W, H = 160, 120


def make_frame(index: int, pts: float, width: int = W, height: int = H) -> Frame:
    """A textured frame that changes over time (so that the encoder has work to do)."""
    yy, xx = np.mgrid[0:height, 0:width]
    img = np.empty((height, width, 3), np.uint8)
    img[..., 0] = (xx * 255 // max(1, width - 1)).astype(np.uint8)
    img[..., 1] = (yy * 255 // max(1, height - 1)).astype(np.uint8)
    img[..., 2] = (index * 20) % 256
    return Frame(img, index, pts)


def make_tracks(boxes: list[tuple[float, float, float, float]], ids: list[int], classes: list[int] | None = None,
                scores: list[float] | None = None) -> Tracks:
    n = len(ids)
    return Tracks(
        np.asarray(boxes, np.float32).reshape(-1, 4),
        np.asarray(ids, np.int64),
        np.asarray(scores if scores is not None else [0.9] * n, np.float32),
        np.asarray(classes if classes is not None else [0] * n, np.int64),
    )


@pytest.fixture
def frame_of() -> Callable[..., Frame]:
    """``frame_of(index, pts, width=160, height=120)``: a synthetic frame."""
    return make_frame


@pytest.fixture
def tracks_of() -> Callable[..., Tracks]:
    """``tracks_of(boxes_xyxy, ids, classes=None, scores=None)``: Tracks from lists."""
    return make_tracks
