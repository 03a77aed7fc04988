"""SceneLearner: builds a SceneModel from normal footage, on the CPU.

    learner = SceneLearner(SceneModelConfig())
    for clip in clips:
        for frame in open_source(clip):
            learner.add(frame)
        learner.end_clip()
    model = learner.fit(false_alarms_per_hour=1.0)

What it learns:

1. The normal speed of moving things per cell (working px/s), from every analysed
   frame: a cell counts when at least 10 % of it moves; its mean log speed is shrunk
   toward its row's (see ``features.normal_speed_grid``).
2. The spread of the three statistics (speed relative to normal, sudden fall and rise
   of the moving area) on the same footage: median and 99th percentile, with a floor
   (``min_scale``) so that a few seconds of footage cannot make the model over-confident.
3. The event threshold for the asked false-alarm rate (``calibrate``).

Speed maps are kept (log-quantised to one byte per pixel) for steps 2-3, up to
``max_calibration_frames``; beyond that only step 1 learns.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vigil.analytics.scene.calibrate import calibrate_threshold
from vigil.analytics.scene.features import (
    N_STATS,
    STAT_NAMES,
    TemporalFeatures,
    cell_speed_observations,
    grid_shape,
    normal_speed_grid,
)
from vigil.analytics.scene.model import SceneModel
from vigil.analytics.scene.motion import MotionMeter, working_size
from vigil.analytics.scene.scorer import ASPECT_TOLERANCE, build_statistics
from vigil.config.scene import SceneModelConfig, UnusualActivityConfig
from vigil.errors import DatasetError
from vigil.types import Frame, Tracks

log = logging.getLogger(__name__)

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

_Q_STEPS = 16.0  # codes per octave
_Q_LOW = 4.0  # code 0 is speeds below 2**-4 px/s
MIN_SECONDS = 2.0
"""Least analysed footage (s) to learn from."""


def quantise(speed: F32) -> U8:
    """Speed (px/s) -> one byte per pixel, 1/16 octave steps (relative error under 2.2 %)."""
    code = (np.log2(np.maximum(speed, 1e-6)) + _Q_LOW) * _Q_STEPS
    return np.clip(np.rint(code), 0, 255).astype(np.uint8)


def dequantise(code: U8) -> F32:
    out = np.exp2(code.astype(np.float32) / _Q_STEPS - _Q_LOW)
    out[code == 0] = 0.0
    return out


@dataclass
class _Clip:
    times: list[float] = field(default_factory=list)
    dts: list[float] = field(default_factory=list)
    maps: list[U8] = field(default_factory=list)


class SceneLearner:
    """Accumulates normal footage of one camera; ``fit`` returns the model."""

    def __init__(self, cfg: SceneModelConfig | None = None) -> None:
        self.cfg = cfg or SceneModelConfig()
        self._motion = MotionMeter(self.cfg)
        self._source_size: tuple[int, int] | None = None
        self._count: F64 | None = None
        self._log_sum: F64 | None = None
        self._clips: list[_Clip] = [_Clip()]
        self._kept = 0
        self._warned_cap = False
        self.frames = 0
        self.analysed = 0
        self.seconds = 0.0
        self.clips = 0

    def _start(self, frame: Frame) -> None:
        self._source_size = (frame.width, frame.height)
        size = working_size(self._source_size, self.cfg.width)
        shape = grid_shape(size, self.cfg.cell)
        self._count = np.zeros(shape, np.float64)
        self._log_sum = np.zeros(shape, np.float64)

    def _check_size(self, frame: Frame) -> None:
        assert self._source_size is not None
        sw, sh = self._source_size
        if abs((frame.width / frame.height) / (sw / sh) - 1.0) > ASPECT_TOLERANCE:
            raise DatasetError(
                f"frame {frame.index} is {frame.width}x{frame.height} but the footage learned so far is {sw}x{sh}: "
                "one model is for one camera view"
            )

    def add(self, frame: Frame, tracks: Tracks | None = None) -> None:
        """Learn from one normal frame (frames of one clip in stream order). ``tracks`` is not used yet."""
        if self._source_size is None:
            self._start(frame)
        elif (frame.width, frame.height) != self._source_size:
            self._check_size(frame)
        self.frames += 1
        sm = self._motion.update(frame)
        if self._motion.restarted and self._clips[-1].times:
            self._clips.append(_Clip())  # a gap: temporal statistics restart
        if sm is None:
            return
        assert self._count is not None and self._log_sum is not None
        self.analysed += 1
        self.seconds += sm.span
        log_speed, present = cell_speed_observations(sm.speed, self.cfg.min_displacement / sm.dt, self.cfg.cell)
        self._count += present
        self._log_sum += np.where(present, log_speed, 0.0)
        if self._kept < self.cfg.max_calibration_frames:
            clip = self._clips[-1]
            clip.times.append(sm.t)
            clip.dts.append(sm.dt)
            clip.maps.append(quantise(sm.speed))
            self._kept += 1
        elif not self._warned_cap:
            self._warned_cap = True
            log.warning(
                "scene model: calibration keeps the first %d analysed frames; later ones shape only the "
                "normal-speed map (raise max_calibration_frames to keep more)", self.cfg.max_calibration_frames,
            )

    def end_clip(self) -> None:
        """The current clip ended: the next frame starts a new one (no motion measured across the cut)."""
        self._motion.reset()
        if self._clips[-1].times:
            self.clips += 1
            self._clips.append(_Clip())

    def fit(
        self, false_alarms_per_hour: float = 1.0, event: UnusualActivityConfig | None = None
    ) -> SceneModel:
        """The model, its threshold calibrated to ``false_alarms_per_hour`` under ``event``'s gate."""
        if false_alarms_per_hour <= 0:
            raise ValueError(f"false_alarms_per_hour must be positive, got {false_alarms_per_hour}")
        event = event or UnusualActivityConfig()
        self.end_clip()
        clips = [c for c in self._clips if len(c.times) >= 2]
        if self._source_size is None or self._count is None or self._log_sum is None or self.seconds < MIN_SECONDS:
            raise DatasetError(
                f"too little normal footage to learn from: {self.seconds:.1f} s analysed in {self.frames} frames "
                f"(need at least {MIN_SECONDS:.0f} s)"
            )
        if not clips:
            raise DatasetError("too little normal footage to learn from: no clip gave two analysed frames")
        cfg = self.cfg
        size = self._motion.size
        assert size is not None
        normal = normal_speed_grid(self._count, self._log_sum, cfg.prior_weight)
        provisional = SceneModel(
            cfg, size, self._source_size, normal, np.zeros(N_STATS), np.ones(N_STATS), math.inf, false_alarms_per_hour
        )
        stats = build_statistics(provisional, self._source_size[1])
        raw, warm = [], []
        for clip in clips:
            temporal = TemporalFeatures(cfg)
            t0, t1 = clip.times[0], clip.times[-1]
            settle = min(cfg.change_window, 0.5 * (t1 - t0))
            values = np.empty((len(clip.times), N_STATS))
            for i, (t, dt, code) in enumerate(zip(clip.times, clip.dts, clip.maps, strict=True)):
                log_speed, log_act, _ = stats.compute(dequantise(code), dt)
                values[i] = temporal.update(t, log_speed, log_act)
            raw.append(values)
            warm.append(np.asarray(clip.times) >= t0 + settle)
        allv, settled = np.concatenate(raw), np.concatenate(warm)
        center, scale = np.zeros(N_STATS), np.zeros(N_STATS)
        for j in range(N_STATS):
            col = allv[:, j] if j == 0 else allv[settled, j]
            if col.size == 0:
                col = allv[:, j]
            center[j] = float(np.median(col))
            scale[j] = max(float(np.quantile(col, 0.99)) - center[j], cfg.min_scale[j])
        series = [
            (np.asarray(c.times), ((v - center) / scale).max(axis=1)) for c, v in zip(clips, raw, strict=True)
        ]
        cal = calibrate_threshold(series, false_alarms_per_hour, event.hysteresis, event.min_duration, event.end_after)
        info = {
            "frames": self.frames,
            "analysed_frames": self.analysed,
            "calibration_frames": int(allv.shape[0]),
            "seconds": round(self.seconds, 3),
            "clips": len(clips),
            "calibration": {
                "method": cal.method, "hours": round(cal.hours, 5), "base_level": round(cal.base_level, 4),
                "base_rate_per_hour": round(cal.base_rate, 3), "tail_scale": round(cal.tail_scale, 4),
                "hysteresis": event.hysteresis, "min_duration": event.min_duration, "end_after": event.end_after,
            },
            "raw_quantiles": {
                name: [round(float(q), 4) for q in np.quantile(allv[:, j], [0.5, 0.9, 0.99, 1.0])]
                for j, name in enumerate(STAT_NAMES)
            },
        }  # fmt: skip
        log.info(
            "scene model: %.0f s of footage in %d clip(s), %d analysed frames; threshold %.2f for %.3g false "
            "alarms/hour (%s)", self.seconds, len(clips), self.analysed, cal.threshold, false_alarms_per_hour,
            cal.method,
        )  # fmt: skip
        return SceneModel(cfg, size, self._source_size, normal, center, scale, cal.threshold, false_alarms_per_hour, info)
