"""Dense motion for the scene model: speed maps in working pixels per second.

``MotionMeter.update(frame)`` returns a :class:`SpeedMap` at most every ``interval``
seconds of stream time, or None when the frame is skipped or starts a new run. The
flow itself is a :class:`vigil.analytics.flow.DenseFlow` (Farneback between the frame and
the one ``FLOW_STEP`` seconds before it, on a grey copy ``width`` pixels wide); pass the
camera's shared one (``flow=``) and the crowd's dense motion reads the same flows
without computing them again. :func:`scene_flow` builds one with the settings a model
was learned with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vigil.analytics.flow import (
    FLOW_STEP,
    MAX_GAP,
    DenseFlow,
    masked_rows,
    to_working,
    working_size,
)
from vigil.config.scene import SceneModelConfig
from vigil.types import Frame

F32 = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

__all__ = [
    "MAX_GAP",
    "MotionMeter",
    "SpeedMap",
    "masked_rows",
    "scene_flow",
    "to_working",
    "valid_mask",
    "working_size",
]


SCENE_MIN_FRAMES = 2
"""A scene model's flow spans at least two frames (and ``FLOW_STEP`` seconds, up to ``MAX_STEP``): at 10 fps
0.2 s, where slow objects move clearly beyond the flow's noise (UCSD Ped2: one frame loses a clip's ranking);
at 25-30 fps two frames, 0.07-0.08 s, within Farneback's reach of people running (UMN)."""
SCENE_LEVELS = 2
"""Farneback pyramid levels for the scene model (two: as accurate as three at the same cost, on Ped2 and UMN)."""


def scene_flow(cfg: SceneModelConfig, size: tuple[int, int] | None = None) -> DenseFlow:
    """The dense flow a scene model with ``cfg`` reads (``size``: its working (w, h), when known); Farneback
    over the changed part of the picture only (``crop``)."""
    return DenseFlow(
        cfg.width, cfg.interval, FLOW_STEP, mask_rows=cfg.mask_rows, method=cfg.flow, size=size,
        min_frames=SCENE_MIN_FRAMES, levels=SCENE_LEVELS, crop=True,
    )  # fmt: skip


def valid_mask(size: tuple[int, int], cut_rows: int, flow_margin: int = 0) -> Mask:
    """Pixels of the working image that count: all but the masked band and ``flow_margin`` rows below it."""
    w, h = size
    valid = np.ones((h, w), bool)
    if cut_rows:
        valid[: min(h, cut_rows + flow_margin)] = False
    return valid


@dataclass(frozen=True, slots=True)
class SpeedMap:
    """Motion between two frames.

    speed: (H, W) float32, working pixels per second. t: stream time (s) of the later
    frame. dt: seconds between the two frames of the flow. span: stream seconds since
    the previous speed map of the run (the time this one stands for; ``dt`` for the first).
    """

    speed: F32
    t: float
    dt: float
    span: float


class MotionMeter:
    """Turns a stream of frames into speed maps, at most one per ``interval`` seconds."""

    def __init__(
        self, cfg: SceneModelConfig, size: tuple[int, int] | None = None, flow: DenseFlow | None = None
    ) -> None:
        """``size``: working (w, h); default: from the first frame and ``cfg.width``. ``flow``: a shared
        :class:`DenseFlow` with the settings of :func:`scene_flow` (default: a private one)."""
        self.cfg = cfg
        self.flow = flow if flow is not None else scene_flow(cfg, size)
        expect = scene_flow(cfg).settings
        if self.flow.settings != expect:
            raise ValueError(f"shared flow settings {self.flow.settings} differ from the scene model's {expect}")
        self._last_t: float | None = None

    @property
    def size(self) -> tuple[int, int] | None:
        return self.flow.size

    @property
    def analysed(self) -> int:
        return self.flow.analysed

    @property
    def restarted(self) -> bool:
        """True when the last ``update`` began a new run (first frame, gap, time going back)."""
        return self.flow.restarted

    def reset(self) -> None:
        """Forget the previous frames (a cut, a gap, a new clip): the next frame measures nothing."""
        self.flow.reset()
        self._last_t = None

    def update(self, frame: Frame) -> SpeedMap | None:
        """The speed map ending at this frame, or None (skipped, or the first of a run)."""
        field = self.flow.update(frame.image, frame.pts)
        if self.flow.restarted:
            self._last_t = None
        if field is None:
            return None
        last, self._last_t = self._last_t, field.t
        span = field.t - last if last is not None and 0.0 < field.t - last <= MAX_GAP else field.dt
        return SpeedMap(field.speed(), field.t, field.dt, span)
