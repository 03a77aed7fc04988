"""SceneScorer: every frame gets an anomaly score (and every cell a local one) under a learned model.

    scorer = SceneScorer(SceneModel.load("cam1.npz"))
    for frame in source:
        s = scorer.score(frame)          # s.frame_score: max of the z-like statistics

Scores are in units of the normal footage's spread (0: typical, the model's threshold
marks its calibrated false-alarm rate). Frames between analysed ones (see
``interval``) repeat the last score; ``analysed`` says which is which.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.analytics.flow import DenseFlow
from vigil.analytics.scene.features import (
    FrameStatistics,
    TemporalFeatures,
    cell_means,
    grid_shape,
    pixel_map,
)
from vigil.analytics.scene.model import SceneModel
from vigil.analytics.scene.motion import MotionMeter, masked_rows, valid_mask
from vigil.errors import ConfigError
from vigil.types import Frame, Tracks

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

ASPECT_TOLERANCE = 0.02
FLOW_MARGIN = 2
"""Working rows below a masked band that are ignored too (the flow window reaches across)."""


@dataclass(frozen=True, slots=True)
class SceneScore:
    """The scene model's verdict on one frame.

    frame_score: max over the statistics' z-scores (speed, activity fall, activity rise).
    cell_scores: (rows, cols) float32, z of each cell's speed relative to normal (unsmoothed;
    where the unusual motion is). components: (3,) the three z-scores. t: the frame's
    stream time. analysed: False when the frame repeated the last score (or none exists yet).
    """

    frame_score: float
    cell_scores: F32
    t: float
    components: F64
    analysed: bool


def build_statistics(model: SceneModel, source_height: int) -> FrameStatistics:
    """The per-frame statistics of ``model`` for frames ``source_height`` pixels tall."""
    cfg = model.config
    size = model.working_size
    cut = masked_rows(cfg.mask_rows, source_height, size[1])
    normal = pixel_map(model.normal_speed, size, cfg.cell)
    return FrameStatistics(normal, valid_mask(size, cut, FLOW_MARGIN if cut else 0), cfg)


class SceneScorer:
    """Scores frames of one camera under a learned :class:`SceneModel`. Not thread-safe; one per camera."""

    def __init__(self, model: SceneModel, flow: DenseFlow | None = None, threshold: float | None = None) -> None:
        """``flow``: the camera's shared dense flow (from :func:`scene_flow` with this model's config and working
        size), so that other consumers read the same flows; default: a private one. ``threshold``: the score that
        starts an event (default: the model's calibrated one); more than ``calm_margin`` below it the scene is calm
        and flows come every ``calm_interval``."""
        self.model = model
        self._calm_below = (model.threshold if threshold is None else threshold) - model.config.calm_margin
        self._motion = MotionMeter(model.config, model.working_size, flow)
        self._temporal = TemporalFeatures(model.config)
        self._stats: FrameStatistics | None = None
        self._checked = False
        rows, cols = grid_shape(model.working_size, model.config.cell)
        self._zero_cells = np.zeros((rows, cols), np.float32)
        self._last = SceneScore(0.0, self._zero_cells, 0.0, np.zeros(3), False)
        self.frames = 0
        self.seconds = 0.0

    @property
    def flow(self) -> DenseFlow:
        """The dense flow this scorer reads (share it with the crowd's motion)."""
        return self._motion.flow

    def reset(self) -> None:
        """Start afresh (a cut or a gap in the stream): motion and smoothing forget the past."""
        self._motion.reset()
        self._temporal.reset()
        self._last = SceneScore(0.0, self._zero_cells, self._last.t, np.zeros(3), False)

    def _check(self, frame: Frame) -> None:
        sw, sh = self.model.source_size
        aspect, expect = frame.width / frame.height, sw / sh
        if abs(aspect / expect - 1.0) > ASPECT_TOLERANCE:
            raise ConfigError(
                f"scene model learned on {sw}x{sh} footage does not fit {frame.width}x{frame.height} frames "
                "(different aspect ratio): learn a model for this camera with `vigil learn`"
            )
        self._stats = build_statistics(self.model, frame.height)
        self._checked = True

    def score(self, frame: Frame, tracks: Tracks | None = None) -> SceneScore:
        """Score one frame. ``tracks`` is accepted for models that use objects; the motion model ignores it."""
        t0 = time.perf_counter()
        if not self._checked:
            self._check(frame)
        out = self._score(frame)
        self.frames += 1
        self.seconds += time.perf_counter() - t0
        return out

    def _score(self, frame: Frame) -> SceneScore:
        sm = self._motion.update(frame)
        if sm is None:
            if self._motion.restarted:  # first frame, a gap or time going back: nothing measured yet
                self._temporal.reset()
                self._last = SceneScore(0.0, self._zero_cells, frame.pts, np.zeros(3), False)
                return self._last
            last = self._last
            self._last = SceneScore(last.frame_score, last.cell_scores, frame.pts, last.components, False)
            return self._last
        assert self._stats is not None
        log_speed, log_act, rel = self._stats.compute(sm.speed, sm.dt)
        raw = self._temporal.update(sm.t, log_speed, log_act)
        z = (np.asarray(raw) - self.model.center) / self.model.scale
        m = self.model
        cells = (np.log(cell_means(rel, m.config.cell) + 1e-3) - m.center[0]) / m.scale[0]
        score = float(z.max())
        if not math.isfinite(score):
            score = 0.0
        self._motion.flow.relax(m.config.calm_interval if score < self._calm_below else None)
        self._last = SceneScore(score, cells.astype(np.float32), frame.pts, z, True)
        return self._last
