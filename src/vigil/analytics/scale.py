"""Body height as the unit of length when a camera is not calibrated.

Without ground-plane calibration Vigil measures lengths in *body heights* (bh) and
speeds in bh/s: a pixel displacement divided by the pixel height of a person at that
place. This is scale-free (the same rule works on a 320x240 and a 4K camera) and
roughly metric (1 bh ~ 1.7 m), but perspective makes far people look smaller, so the
height must be the one *at that place*:

- Per track, the box height is smoothed over time (exponential, ~0.5 s), which damps
  detection jitter and the bounce of a running gait.
- Per camera, a row model ``h(y) = a * y + b`` is fitted online to person boxes, by
  least squares with exponential forgetting (half-life two minutes). For a flat floor
  and a pinhole camera the pixel height of a standing person is linear in the image
  row of their feet (zero at the horizon), so the model captures perspective. It
  needs a spread of rows before its slope is trusted; until then it is a constant.
- A person's body height is their smoothed box height, clipped to [0.75, 1.35] times
  the row model (a box cut by an occluder or a partial detection cannot shrink the
  unit much); for a box cut by the frame border the row model wins.
- Objects other than people (bags, vehicles) are measured with the person height
  the row model expects at their feet; before it has data, their own box height
  (times 3 for bags, which stand about a third of a person tall).

With calibration, metres replace body heights and none of this is used for speeds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

BAG_HEIGHT_FACTOR = 3.0
"""Person heights per bag box height, used only before the row model has data."""


class RowHeightModel:
    """Online fit of person box height against the image row of the feet (both normalised by frame height)."""

    def __init__(self, half_life: float = 120.0, min_weight: float = 15.0, min_row_spread: float = 0.05) -> None:
        self.half_life = half_life
        self.min_weight = min_weight
        self.min_row_spread = min_row_spread
        self._s = np.zeros(5)  # sum of w, y, h, y*y, y*h
        self._last_t: float | None = None
        self._coef: tuple[float, float] | None = None

    def update(self, foot_y: F64, height: F64, t: float) -> None:
        """Add person observations (normalised rows and heights) seen at stream time ``t``."""
        if self._last_t is not None and t > self._last_t:
            self._s *= 0.5 ** ((t - self._last_t) / self.half_life)
        self._last_t = t if self._last_t is None else max(t, self._last_t)
        if len(foot_y) == 0:
            return
        if self._coef is not None:  # drop outliers (a head-only or merged box) once the model is fitted
            pred = self._coef[0] * foot_y + self._coef[1]
            keep = np.abs(height - pred) <= 0.5 * pred
            foot_y, height = foot_y[keep], height[keep]
        self._s += (len(foot_y), foot_y.sum(), height.sum(), (foot_y * foot_y).sum(), (foot_y * height).sum())
        self._coef = self._solve()

    def _solve(self) -> tuple[float, float] | None:
        w, sy, sh, syy, syh = self._s
        if w < self.min_weight:
            return None
        my, mh = sy / w, sh / w
        var = syy / w - my * my
        slope = 0.0
        if var > self.min_row_spread**2:
            slope = max(0.0, (syh / w - my * mh) / var)  # farther rows never hold taller people
        return slope, mh - slope * my

    @property
    def ready(self) -> bool:
        return self._coef is not None

    @property
    def coefficients(self) -> tuple[float, float] | None:
        """(a, b) of h = a * y + b in frame-height units, or None before enough data."""
        return self._coef

    def predict(self, foot_y: F64) -> F64 | None:
        """Expected person height at normalised rows ``foot_y``, or None before enough data."""
        if self._coef is None:
            return None
        a, b = self._coef
        mean_h = self._s[2] / max(self._s[0], 1e-9)
        return np.maximum(a * foot_y + b, 0.2 * mean_h)  # never collapse to zero near the horizon


def body_heights(
    track_height: F64,
    box_height: F64,
    foot_y: F64,
    is_person: Bool,
    is_bag: Bool,
    cut: Bool,
    rows: RowHeightModel,
    frame_height: int,
) -> F64:
    """(N,) pixel length of one body height at each track's feet (see the module docstring)."""
    pred_n = rows.predict(foot_y / frame_height)
    own = np.where(is_bag, box_height * BAG_HEIGHT_FACTOR, track_height)
    if pred_n is None:
        return np.maximum(own, 1.0)
    pred = pred_n * frame_height
    person = np.clip(track_height, 0.75 * pred, 1.35 * pred)
    person = np.where(cut, np.maximum(track_height, pred), person)
    return np.maximum(np.where(is_person, person, pred), 1.0)
