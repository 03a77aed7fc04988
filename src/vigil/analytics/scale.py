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
  row of their feet (zero at the horizon), so the model captures perspective. It is
  *reliable* once fitted over a spread of rows (std >= 5 % of the frame height) with
  residuals under 30 % of the mean height; only then are boxes far off the line
  (under half or over twice the prediction) left out of the fit.
- A person's body height is their smoothed box height; when the row model is
  reliable it is clipped to [0.75, 1.35] times the model (a box cut by an occluder or
  a partial detection cannot shrink the unit much), and for a box cut by the frame
  border the model wins.
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

    def __init__(
        self,
        half_life: float = 120.0,
        min_weight: float = 15.0,
        min_row_spread: float = 0.05,
        max_rel_error: float = 0.3,
    ) -> None:
        self.half_life = half_life
        self.min_weight = min_weight
        self.min_row_spread = min_row_spread
        self.max_rel_error = max_rel_error
        self._s = np.zeros(6)  # sums of w, y, h, y*y, y*h, h*h
        self._last_t: float | None = None
        self._coef: tuple[float, float] | None = None
        self._sloped = False
        self._rel_error = float("inf")

    def update(self, foot_y: F64, height: F64, t: float) -> None:
        """Add person observations (normalised rows and heights) seen at stream time ``t``."""
        if self._last_t is not None and t > self._last_t:
            self._s *= 0.5 ** ((t - self._last_t) / self.half_life)
        self._last_t = t if self._last_t is None else max(t, self._last_t)
        if len(foot_y) == 0:
            return
        if self.reliable and self._coef is not None:  # drop outliers (head-only or merged boxes)
            pred = self._coef[0] * foot_y + self._coef[1]
            keep = (height >= 0.5 * pred) & (height <= 2.0 * pred)
            foot_y, height = foot_y[keep], height[keep]
        self._s += np.array(
            [len(foot_y), foot_y.sum(), height.sum(), foot_y @ foot_y, foot_y @ height, height @ height]
        )
        self._solve()

    def _solve(self) -> None:
        w, sy, sh, syy, syh, shh = self._s
        if w < self.min_weight:
            self._coef = None
            return
        my, mh = sy / w, sh / w
        var = syy / w - my * my
        slope = 0.0
        self._sloped = bool(var > self.min_row_spread**2)
        if self._sloped:
            slope = max(0.0, (syh / w - my * mh) / var)  # farther rows never hold taller people
        b = mh - slope * my
        resid = shh / w - 2 * slope * syh / w - 2 * b * mh + slope * slope * syy / w + 2 * slope * b * my + b * b
        self._rel_error = float(np.sqrt(max(resid, 0.0))) / max(mh, 1e-9)
        self._coef = (slope, b)

    @property
    def ready(self) -> bool:
        """Enough people seen to predict a height (possibly rough)."""
        return self._coef is not None

    @property
    def reliable(self) -> bool:
        """Fitted over a spread of rows, with residuals under ``max_rel_error`` of the mean height."""
        return self._coef is not None and self._sloped and self._rel_error <= self.max_rel_error

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
    if rows.reliable:
        person = np.minimum(np.maximum(track_height, 0.75 * pred), 1.35 * pred)
        person = np.where(cut, np.maximum(track_height, pred), person)
    else:  # a rough model (no spread of rows yet, or a poor fit) must not override what is seen
        person = track_height
    return np.maximum(np.where(is_person, person, pred), 1.0)
