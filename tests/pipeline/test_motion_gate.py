"""MotionGate on synthetic frames: static scenes are gated after the hold, motion is detected."""

from __future__ import annotations

import time

import numpy as np
import pytest

from vigil.detect.base import StageTimes
from vigil.pipeline.motion_gate import GatedDetector, MotionGate
from vigil.types import Detections, Frame, Image

FPS = 10.0
rng = np.random.default_rng(0)
BACKGROUND = rng.integers(40, 200, (120, 160, 3), dtype=np.uint8)


def scene(i: int, *, blob_x: int | None = None, noise: int = 0) -> Frame:
    img = BACKGROUND.copy()
    if blob_x is not None:
        img[40:80, blob_x : blob_x + 16] = 255
    if noise:
        img = np.clip(img.astype(np.int16) + rng.integers(-noise, noise + 1, img.shape), 0, 255).astype(np.uint8)
    return Frame(img, i, i / FPS)


def run(gate: MotionGate, frames: list[Frame]) -> list[bool]:
    return [gate.should_detect(f) for f in frames]


def test_static_scene_is_gated_after_first_frame_and_detected_every_max_skip() -> None:
    gate = MotionGate(hold=1.0, max_skip=3.0)
    decisions = run(gate, [scene(i, noise=3) for i in range(100)])  # 10 s, sensor noise only
    detected_at = [i / FPS for i, d in enumerate(decisions) if d]
    assert detected_at == [0.0, 3.0, 6.0, 9.0]
    stats = gate.stats()
    assert (stats.frames, stats.detected, stats.gated, stats.motion) == (100, 4, 96, 0)
    assert stats.gated_fraction == pytest.approx(0.96)


def test_moving_blob_is_detected_and_hold_continues_after_it_stops() -> None:
    gate = MotionGate(hold=1.0, max_skip=60.0)
    moving = [scene(i, blob_x=10 + 4 * i) for i in range(20)]  # 2 s of motion
    still = [scene(20 + i, blob_x=10 + 4 * 19) for i in range(40)]  # then 4 s standing still
    decisions = run(gate, moving + still)
    assert all(decisions[:20])
    # motion was last seen at frame 19 (t=1.9 s); hold 1 s keeps detecting to t=2.9 s
    assert all(decisions[20:30])
    assert not any(decisions[30:])
    assert gate.stats().motion == 19


def test_motion_after_quiet_period_is_detected_at_once() -> None:
    gate = MotionGate(hold=0.5, max_skip=60.0)
    frames = [scene(i) for i in range(30)] + [scene(30 + i, blob_x=20 + 5 * i) for i in range(5)]
    decisions = run(gate, frames)
    assert not any(decisions[1:30])
    assert all(decisions[31:])  # frame 30 is the first with the blob: it differs from frame 29


def test_small_changes_below_area_threshold_are_ignored() -> None:
    gate = MotionGate(area_threshold=0.05, hold=0.0, max_skip=60.0)
    frames = [scene(i, blob_x=10 + i) for i in range(20)]  # a 1 px/frame creep: a sliver of pixels
    assert run(gate, frames) == [True] + [False] * 19


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [({"width": 8}, "width"), ({"pixel_threshold": 0}, "pixel_threshold"), ({"area_threshold": 0.0}, "area"),
     ({"hold": -1.0}, "hold"), ({"max_skip": 0.0}, "max_skip")],
)  # fmt: skip
def test_invalid_settings_name_the_setting(kwargs: dict[str, float], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        MotionGate(**kwargs)  # type: ignore[arg-type]


def test_gate_is_cheap_per_frame() -> None:
    gate = MotionGate()
    big = [Frame(rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8), i, i / FPS) for i in range(3)]
    for f in big:  # warm up
        gate.should_detect(f)
    t0 = time.perf_counter()
    n = 60
    for i in range(n):
        gate.should_detect(Frame(big[i % 3].image, i, (i + 3) / FPS))
    per_frame = (time.perf_counter() - t0) / n
    assert per_frame < 0.003, f"{per_frame * 1000:.2f} ms per 720p frame"


class CountingDetector:
    def __init__(self) -> None:
        self.times = StageTimes()
        self.calls = 0

    def detect(self, image: Image) -> Detections:
        self.calls += 1
        return Detections(np.array([[self.calls, 0, 10, 10]]), np.array([0.9]), np.array([0]))


def test_gated_detector_reuses_last_detections_on_gated_frames() -> None:
    inner = CountingDetector()
    gated = GatedDetector(inner, MotionGate(hold=0.0, max_skip=60.0))
    assert gated.times is inner.times
    outs = []
    for f in [scene(i) for i in range(5)]:
        assert gated.observe(f) == (f.index == 0)
        outs.append(gated.detect(f.image))
    assert inner.calls == 1
    assert all(o is outs[0] for o in outs)
    # an image the gate did not see is always detected
    gated.detect(scene(9).image)
    assert inner.calls == 2


def test_full_hd_frames_are_sampled_down_without_losing_a_walking_person() -> None:
    big_bg = rng.integers(40, 200, (1080, 1920, 3), dtype=np.uint8)

    def frame(i: int, x: int | None) -> Frame:
        img = big_bg.copy()
        if x is not None:
            img[400:760, x : x + 120] = 250  # a person-sized block
        return Frame(img, i, i / FPS)

    gate = MotionGate(hold=0.0, max_skip=60.0)
    still = run(gate, [frame(i, 300) for i in range(5)])
    walking = run(gate, [frame(5 + i, 300 + 15 * i) for i in range(1, 6)])  # about 1.5 m/s at 10 fps
    assert still == [True, False, False, False, False]
    assert all(walking)
