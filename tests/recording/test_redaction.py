"""Redaction is burned into stored clips and snapshots, never into the live frame."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from vigil.config.recording import RedactionConfig
from vigil.recording import ClipRecorder, Redactor, WallClock
from vigil.recording.redact import FILL_BGR
from vigil.types import Tracks

from .conftest import FPS, Sink, config, end, frame, start

# the right quarter of the frame (x 0.75-1), away from the index code
REGION = {"points": [[0.75, 0.0], [1.0, 0.0], [1.0, 1.0], [0.75, 1.0]]}


def textured(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (128, 160, 3), dtype=np.uint8)


def person(x1: float, y1: float, x2: float, y2: float, cls: int = 0) -> Tracks:
    return Tracks(np.array([[x1, y1, x2, y2]], np.float32), np.array([1]), np.array([0.9], np.float32),
                  np.array([cls]))


@pytest.mark.parametrize("method", ["fill", "blur"])
def test_region_is_hidden_in_a_copy(method: str) -> None:
    r = Redactor(RedactionConfig.model_validate({"regions": [REGION], "method": method}))
    live = textured()
    before = live.copy()
    out = r.apply(live)
    assert np.array_equal(live, before)  # the live frame is untouched
    assert np.array_equal(out[:, :118], live[:, :118])  # outside the region: unchanged
    hidden = out[:, 122:].astype(np.float64)
    if method == "fill":
        assert (out[:, 120:] == FILL_BGR).all()
    else:  # detail is gone: neighbouring pixels hardly differ any more
        assert np.abs(np.diff(hidden, axis=1)).mean() < 0.2 * np.abs(np.diff(live[:, 122:].astype(float), axis=1)).mean()


def test_blur_people_hides_person_boxes_only() -> None:
    r = Redactor(RedactionConfig(blur_people=True, method="fill"))
    live = textured()
    out = r.apply(live, Tracks(
        np.array([[10, 20, 50, 100], [90, 20, 130, 100]], np.float32), np.array([1, 2]),
        np.array([0.9, 0.9], np.float32), np.array([0, 2]),  # a person and a car
    ))  # fmt: skip
    assert (out[20:100, 10:50] == FILL_BGR).all()
    assert np.array_equal(out[20:100, 90:130], live[20:100, 90:130])  # the car is not blurred
    assert np.array_equal(out[:, 55:85], live[:, 55:85])


def test_nothing_configured_passes_the_image_through() -> None:
    live = textured()
    assert Redactor(RedactionConfig()).apply(live, person(0, 0, 50, 50)) is live


def test_clip_and_snapshot_are_redacted_but_live_frames_are_not(tmp_path: Path, clock: WallClock) -> None:
    sink = Sink()
    cfg = config(redaction={"regions": [REGION], "method": "fill"})
    rec = ClipRecorder("cam", tmp_path, cfg, sink, clock=clock, fps=FPS)
    events = {10: [("r", start(1.0))], 15: [("r", end(1.5, 1.0))]}
    live_frames = [frame(i) for i in range(30)]
    for f in live_frames:
        f.image[:, 120:] = (0, 0, 255)  # something red to hide
        rec.push(f, None, events.get(f.index, []))
    rec.close()
    assert all((f.image[:, 120:] == (0, 0, 255)).all() for f in live_frames)
    snap = cv2.imread(str(tmp_path / sink.of("snapshot")[0].path))
    assert np.abs(snap[:, 124:].astype(int) - FILL_BGR).max() < 12  # grey (JPEG-close), no red left
    with av.open(str(tmp_path / sink.of("clip")[0].path)) as c:
        images = [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]
    assert len(images) == 26  # 0 s (pre-roll) to 2.5 s (post-roll)
    for img in images:
        assert np.abs(img[:, 124:].astype(int) - FILL_BGR).max() < 20
