"""The shared dense flow: when it measures, over which frames, what it scales, and sharing it.

Frames are a textured picture sliding left a fixed number of pixels per second, so every
flow has a known answer whatever its step.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vigil.analytics import AnalyticsEngine
from vigil.analytics.flow import (
    DenseFlow,
    FlowField,
    changed_box,
    farneback,
    masked_rows,
    to_working,
)
from vigil.analytics.scene.motion import scene_flow
from vigil.config.analytics import CrowdRunningRule, DispersalRule
from vigil.config.scene import SceneModelConfig
from vigil.types import Tracks

W, H = 320, 240
SPEED = 40.0  # source pixels per second, to the left
EMPTY = Tracks(np.zeros((0, 4), np.float32), [], np.zeros(0, np.float32), [])


def _picture(seed: int = 0, width: int = W + 400) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (H // 4, width // 4), dtype=np.uint8)
    return cv2.cvtColor(cv2.resize(noise, (width, H), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR)


BIG = _picture()


def _frame(t: float) -> np.ndarray:
    x = round(SPEED * t)
    return np.ascontiguousarray(BIG[:, x : x + W])


def _run(flow: DenseFlow, fps: float, seconds: float, late: frozenset[int] = frozenset()) -> list[FlowField]:
    """Frames at ``fps``; frames numbered in ``late`` carry a timestamp half a frame late."""
    out = []
    for k in range(round(seconds * fps) + 1):
        t = k / fps + (0.5 / fps if k in late else 0.0)
        field = flow.update(_frame(k / fps), t)
        if field is not None:
            out.append(field)
    return out


@pytest.mark.parametrize(
    ("fps", "min_frames", "dt", "scaled_share"),
    [
        (25.0, 1, 0.08, 0.68),  # step 0.06 s: two frames back; a flow every third frame, two of three scaled
        (25.0, 2, 0.08, 0.68),
        (10.0, 1, 0.1, 1.0),  # one frame back: both frames of each flow are scaled
        (10.0, 2, 0.2, 0.55),  # two frames back: a chain, each scaled frame serves two flows
        (5.0, 2, 0.2, 1.0),  # two frames would be 0.4 s: one frame, up to max_step (0.2 s)
    ],
)
def test_flow_spans_its_step_and_scales_only_the_frames_it_uses(
    fps: float, min_frames: int, dt: float, scaled_share: float
) -> None:
    flow = DenseFlow(144, 0.11, 0.06, min_frames=min_frames, levels=2)
    frames = round(6.0 * fps) + 1
    got = _run(flow, fps, 6.0)
    assert all(f.dt == pytest.approx(dt) for f in got)
    gaps = np.diff([f.t for f in got])
    assert gaps.min() >= 0.11 - 1e-3 and gaps.max() <= max(0.11, dt) + 1.5 / fps
    assert flow.scaled <= scaled_share * frames + 2
    assert flow.analysed == len(got) >= 6.0 / max(0.2, dt + 1 / fps) - 1
    inner = got[-1].flow[10:-10, 10:-10]
    assert np.median(inner[..., 0]) == pytest.approx(-SPEED * 144 / W, rel=0.1)  # working pixels per second
    assert abs(np.median(inner[..., 1])) < 1.0


def test_late_timestamps_never_stretch_a_flow() -> None:
    """When the frame meant to start a flow was not kept (its neighbour's time was off), no long step is taken."""
    flow = DenseFlow(144, 0.11, 0.06, min_frames=2)
    got = _run(flow, 10.0, 8.0, late=frozenset(range(1, 81, 3)))
    assert got and max(f.dt for f in got) <= 0.25 + 1e-9
    assert len(got) >= 20


def test_asking_again_for_the_same_frame_computes_nothing() -> None:
    flow = DenseFlow(interval=0.0)
    img0, img1 = _frame(0.0), _frame(0.08)
    assert flow.update(img0, 0.0) is None and flow.update(img0, 0.0) is None
    first = flow.update(img1, 0.08)
    assert first is not None and flow.update(img1, 0.08) is first
    assert flow.analysed == 1 and flow.scaled == 2


def test_gap_or_time_going_back_restarts() -> None:
    flow = DenseFlow(interval=0.0)
    _run(flow, 25.0, 0.5)
    assert not flow.restarted
    assert flow.update(_frame(0.0), 5.0) is None and flow.restarted  # a 4.5 s gap
    assert flow.update(_frame(0.04), 5.04) is None and not flow.restarted
    assert flow.update(_frame(0.08), 5.08) is not None
    assert flow.update(_frame(0.0), 1.0) is None and flow.restarted  # time went back


def test_masked_rows_are_blank_before_the_flow() -> None:
    img = _frame(0.0)
    grey = to_working(img, (160, 120), mask_rows=31)
    cut = masked_rows(31, H, 120)
    assert cut == 17 and not grey[:cut].any() and grey[cut:].any(axis=1).all()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="width"):
        DenseFlow(width=8)
    with pytest.raises(ValueError, match="interval and step"):
        DenseFlow(step=-0.1)
    with pytest.raises(ValueError, match="max_gap"):
        DenseFlow(step=2.0)


# -- sharing --------------------------------------------------------------------------------------------------


def _times(flows: list[FlowField]) -> np.ndarray:
    return np.diff([f.t for f in flows])


def test_relaxed_flow_comes_less_often_until_pinned() -> None:
    flow = DenseFlow(144, 0.11, 0.06, min_frames=2)  # the scene model's: at 10 fps two frames, every 0.2 s
    assert _times(_run(flow, 10.0, 3.0)) == pytest.approx(0.2)
    flow = DenseFlow(144, 0.11, 0.06, min_frames=2)
    flow.update(_frame(0.0), 0.0)
    flow.relax(0.4)
    relaxed = [f for k in range(1, 31) if (f := flow.update(_frame(k / 10), k / 10)) is not None]
    assert _times(relaxed) == pytest.approx(0.4)
    assert all(f.dt == pytest.approx(0.2) for f in relaxed)  # the step stays; only the gaps grow
    flow.relax(None)
    assert flow.current_interval == 0.11
    flow.relax(0.4)
    flow.pin()
    assert flow.current_interval == 0.11
    flow.pin(False)
    assert flow.current_interval == 0.4


_PATCH = cv2.resize(np.random.default_rng(2).integers(0, 255, (8, 8), dtype=np.uint8), (80, 80),
                    interpolation=cv2.INTER_CUBIC)  # coarse grain: Farneback follows it
STILL = _picture(1)[:, :W]


def _sliding_patch(t: float) -> np.ndarray:
    """A still picture with one textured square (80 px) sliding right at 30 px/s inside it."""
    img = STILL.copy()
    x = 60 + round(30.0 * t)
    img[80:160, x : x + 80] = _PATCH[..., None]
    return img


def test_changed_box_covers_what_moved_and_nothing_else() -> None:
    size = (160, 120)
    a, b = (to_working(_sliding_patch(t), size) for t in (0.0, 0.2))
    y0, y1, x0, x1 = changed_box(a, b, 8, 4, 16)
    # the square spans working rows 40-80 and columns 30-73 over the two frames (half the source pixels)
    assert 34 <= y0 <= 40 and 80 <= y1 <= 86 and 24 <= x0 <= 30 and 73 <= x1 <= 79
    assert changed_box(a, a.copy()) is None
    y0, y1, x0, x1 = changed_box(a, b, 8, 0, 100)  # widened to the smallest side, within the image
    assert (y1 - y0, x1 - x0) == (100, 100) and y0 >= 0 and y1 <= 120


def test_cropped_flow_matches_the_full_one_where_things_move() -> None:
    size = (160, 120)
    a, b = (to_working(_sliding_patch(t), size) for t in (0.0, 0.2))
    full, cropped = farneback(a, b, 2), farneback(a, b, 2, crop=True)
    y0, y1, x0, x1 = changed_box(a, b)
    outside = np.ones(a.shape, bool)
    outside[y0:y1, x0:x1] = False
    assert outside.any() and not cropped[outside].any()  # no work, no flow where nothing changed
    inner = (slice(46, 74), slice(38, 62))  # well inside the square: 3 working px to the right
    assert float(np.median(cropped[inner][..., 0])) == pytest.approx(3.0, abs=0.5)
    np.testing.assert_allclose(cropped[inner], full[inner], atol=0.5)
    assert np.array_equal(farneback(a, a.copy(), 2, crop=True), np.zeros((120, 160, 2), np.float32))


def _crowd_engine() -> AnalyticsEngine:
    rules = [CrowdRunningRule(type="crowd_running", motion=True), DispersalRule(type="dispersal", motion=True)]
    return AnalyticsEngine("cam", rules=rules)


def _feed(engine: AnalyticsEngine, shared: DenseFlow, fps: float, seconds: float) -> None:
    for k in range(round(seconds * fps) + 1):
        t, img = k / fps, _frame(k / fps)
        engine.evaluate(EMPTY, t, (W, H), image=img)
        shared.update(img, t)  # the scene model asks for the same frame: no second flow


def test_engine_reads_the_shared_flow_at_25_fps() -> None:
    shared = scene_flow(SceneModelConfig())
    engine = _crowd_engine()
    engine.share_flow(shared)
    shared.relax(0.4)  # the scene model finds the scene calm: the crowd's motion still needs every flow
    _feed(engine, shared, 25.0, 4.0)
    assert engine.flow is shared
    assert shared.analysed == pytest.approx(4.0 / 0.12, abs=2)  # every third frame, computed once


def test_engine_measures_its_own_flow_when_the_shared_one_spans_too_long() -> None:
    shared = scene_flow(SceneModelConfig())  # at 10 fps it spans two frames, 0.2 s
    engine = _crowd_engine()
    engine.share_flow(shared)
    _feed(engine, shared, 10.0, 3.0)
    own = engine.flow
    assert own is not None and own is not shared and own.analysed >= 25  # ten a second, one frame each
    shared.relax(0.4)
    assert shared.current_interval == 0.4  # no longer pinned: the scene model alone reads it


def test_a_flow_that_comes_too_seldom_is_not_shared() -> None:
    shared = scene_flow(SceneModelConfig(interval=0.25))
    engine = _crowd_engine()
    engine.share_flow(shared)
    assert engine.flow is not shared


def test_an_engine_without_motion_rules_takes_no_flow() -> None:
    engine = AnalyticsEngine("cam")  # default rules: tracks only
    engine.share_flow(scene_flow(SceneModelConfig()))
    assert engine.flow is None and not engine.uses_motion
