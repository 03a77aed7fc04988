"""The learned scene model on synthetic footage: fast motion scores high, normal motion does not."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scene_synth import FAST, FPS, SIZE, Scene

from vigil.analytics.scene import (
    SceneLearner,
    SceneModel,
    SceneModelConfig,
    SceneScorer,
    UnusualActivityDetector,
)
from vigil.errors import ConfigError, DatasetError
from vigil.types import Frame


def _scores(model: SceneModel, frames) -> tuple[np.ndarray, np.ndarray, list]:
    scorer = SceneScorer(model)
    out = [scorer.score(f) for f in frames]
    return np.array([s.t for s in out]), np.array([s.frame_score for s in out]), out


def test_fast_blob_scores_above_every_normal_frame(synth_scene: Scene, synth_model: SceneModel) -> None:
    t, s, _ = _scores(synth_model, synth_scene.frames(20.0, t0=100.0, fast_from=110.0))
    normal, fast = s[t < 110.0], s[t >= 111.0]  # the blob is fully in view 0.2 s after it enters
    assert normal.max() < synth_model.threshold
    assert fast.min() > synth_model.threshold
    assert fast.min() > normal.max() + 2.0


def test_normal_speed_map_is_learned_per_place(synth_model: SceneModel) -> None:
    # walkers use lanes in the middle rows; the top row (no walker lane) borrows the frame's normal speed
    v = synth_model.normal_speed
    cfg = synth_model.config
    assert v.shape == (round(SIZE[1] * cfg.width / SIZE[0]) // cfg.cell, cfg.width // cfg.cell)
    assert np.all(v > 0)
    assert 5.0 < float(np.median(v)) < 20.0  # walkers move 16-24 px/s in source = 8-12 working px/s


def test_cell_scores_point_at_the_fast_blob(synth_scene: Scene, synth_model: SceneModel) -> None:
    _, _, out = _scores(synth_model, synth_scene.frames(5.0, t0=200.0, fast_from=200.0))
    s = out[int(1.5 * FPS)]  # blob fully inside the frame
    x = Scene.fast_x(s.t, 200.0, 120.0)
    row, col = np.unravel_index(int(np.argmax(s.cell_scores)), s.cell_scores.shape)
    cell_px = synth_model.config.cell * SIZE[0] / synth_model.config.width  # source pixels per cell
    assert 100.0 - cell_px <= row * cell_px <= 100.0 + FAST[1]
    assert x - 2 * cell_px <= col * cell_px <= x + FAST[0] + cell_px


def test_frames_between_analysed_ones_repeat_the_score(synth_scene: Scene, synth_model: SceneModel) -> None:
    always = synth_model.config.model_copy(update={"calm_interval": 0.0})  # no longer gaps while calm
    scorer = SceneScorer(dataclasses.replace(synth_model, config=always))
    out = [scorer.score(f) for f in synth_scene.frames(2.0)]
    analysed = [s.analysed for s in out]
    # 20 fps and interval 0.11 s: every third frame is analysed, each over a flow two frames back (0.1 s);
    # the first flow needs two earlier frames
    assert analysed[:9] == [False, False, True, False, False, True, False, False, True]
    assert out[3].frame_score == out[2].frame_score and out[3].t > out[2].t
    assert scorer.flow.analysed == sum(analysed)


def test_calm_scene_is_analysed_less_often_until_the_score_rises(synth_scene: Scene, synth_model: SceneModel) -> None:
    cfg = synth_model.config
    assert cfg.calm_interval > 2 * cfg.interval
    _, s, out = _scores(synth_model, synth_scene.frames(8.0, t0=300.0, fast_from=305.0))
    t = np.array([o.t for o in out if o.analysed])
    calm, busy = np.diff(t[(t > 301.0) & (t < 305.0)]), np.diff(t[t > 306.0])
    # normal motion, far below the threshold: a flow every calm_interval (0.4 s at 20 fps: 0.4 or 0.45 s)
    assert calm.min() >= cfg.calm_interval - 1e-6 and calm.max() < cfg.calm_interval + 0.1
    # the fast blob lifts the score: a flow every interval again, and the score stays above the threshold
    assert busy.max() < cfg.interval + 0.06
    ts = np.array([o.t for o in out])
    assert s[ts >= 306.0].min() > synth_model.threshold
    # an event threshold set below the normal scores (the camera's unusual_activity.threshold): never calm
    low = SceneScorer(synth_model, threshold=-10.0)
    dense = [low.score(f) for f in synth_scene.frames(3.0, t0=300.0)]
    assert np.diff([o.t for o in dense if o.analysed]).max() < cfg.interval + 0.06


def test_masked_caption_rows_do_not_change_scores(synth_scene: Scene) -> None:
    cfg = SceneModelConfig(mask_rows=24)
    learner = SceneLearner(cfg)
    for f in synth_scene.frames(20.0):
        learner.add(f)
    model = learner.fit(1.0)
    plain = _scores(model, synth_scene.frames(6.0, t0=50.0))[1]
    captioned = _scores(model, synth_scene.frames(6.0, t0=50.0, caption=True))[1]
    np.testing.assert_allclose(captioned, plain, atol=1e-6)
    # unmasked, the blinking caption is unusual motion
    unmasked = SceneLearner(SceneModelConfig())
    for f in synth_scene.frames(20.0):
        unmasked.add(f)
    raw = _scores(unmasked.fit(1.0), synth_scene.frames(6.0, t0=50.0, caption=True))[1]
    assert raw.max() > plain.max() + 1.0


def test_learned_threshold_gives_no_alarm_on_new_normal_footage(synth_scene: Scene, synth_model: SceneModel) -> None:
    scorer, detector = SceneScorer(synth_model), UnusualActivityDetector(synth_model, camera="synthetic")
    events = []
    for f in synth_scene.frames(60.0, t0=500.0):
        events += detector.update(scorer.score(f))
    assert events == []


def test_unusual_activity_event_on_the_fast_blob(synth_scene: Scene, synth_model: SceneModel) -> None:
    scorer, detector = SceneScorer(synth_model), UnusualActivityDetector(synth_model, camera="synthetic")
    events = []
    last = 0.0
    for f in synth_scene.frames(16.0, t0=300.0, fast_from=305.0):
        events += detector.update(scorer.score(f))
        last = f.pts
    events += detector.close(last)
    assert [e.phase for e in events if e.phase != "update"] == ["start", "end"]
    start = events[0]
    assert start.kind == "unusual_activity" and start.camera == "synthetic"
    assert 305.0 <= start.t <= 306.5  # within ~1.5 s of the blob's entry (0.5 s min duration included)
    assert start.attributes["threshold"] == pytest.approx(synth_model.threshold, abs=1e-3)
    x1, y1, x2, y2 = start.attributes["region"]
    assert 0 <= x1 < x2 <= SIZE[0] and 0 <= y1 < y2 <= SIZE[1]
    assert y1 <= 100.0 + FAST[1] and y2 >= 100.0


def test_too_little_footage_is_an_error(synth_scene: Scene) -> None:
    learner = SceneLearner()
    for f in synth_scene.frames(1.0):
        learner.add(f)
    with pytest.raises(DatasetError, match="too little normal footage"):
        learner.fit()


def test_model_for_another_aspect_ratio_is_refused(synth_model: SceneModel) -> None:
    frame = Frame(np.zeros((240, 240, 3), np.uint8), 0, 0.0)
    with pytest.raises(ConfigError, match="different aspect ratio"):
        SceneScorer(synth_model).score(frame)


def test_learning_across_a_cut_measures_no_motion_over_it(synth_scene: Scene) -> None:
    other = Scene(seed=5)
    learner = SceneLearner()
    for f in synth_scene.frames(5.0):
        learner.add(f)
    learner.end_clip()
    for f in other.frames(5.0, t0=5.0):
        learner.add(f)
    model = learner.fit()
    assert model.info["clips"] == 2
    # a cut inside one clip without end_clip would be a huge flow; the learned normal speed stays low
    assert float(model.normal_speed.max()) < 40.0


def test_dis_flow_also_separates_the_fast_blob(synth_scene: Scene) -> None:
    learner = SceneLearner(SceneModelConfig(flow="dis"))
    for f in synth_scene.frames(20.0):
        learner.add(f)
    model = learner.fit(1.0)
    t, s, _ = _scores(model, synth_scene.frames(8.0, t0=100.0, fast_from=104.0))
    assert s[t >= 105.0].min() > s[t < 104.0].max() + 2.0
