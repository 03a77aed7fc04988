"""Constant-velocity Kalman filter over boxes, vectorised over all tracks at once.

State per track: ``[cx, cy, w, h, vcx, vcy, vw, vh]`` in pixels and pixels per second;
measurement: ``[cx, cy, w, h]``. Time steps are seconds, so any frame rate works.

Noise is scale-aware (as in ByteTrack and BoT-SORT): every standard deviation is a
fraction of the box's size, so a far, small person and a near, large one are filtered
alike. Detection error scales with the box's own width (x, w) and height (y, h);
motion of the centre with sqrt(w * h) (a walker's speed follows their size, whatever
the box's shape). Process noise is the continuous-time model (a position random walk
plus white acceleration): ten steps of 0.1 s add exactly the uncertainty of one of 1 s.

The four coordinates move independently and every noise is diagonal, so the 8x8
covariance is four uncoupled 2x2 (position, velocity) blocks and stays so through
predict and update. It is stored as ``cov`` (N, 3, 4): rows var(position),
cov(position, velocity), var(velocity), one column per coordinate. Every step is then
element-wise over (N, 4) arrays, with no matrix inversion.

Shapes: ``mean`` (N, 8), ``cov`` (N, 3, 4), measurements ``z`` (N, 4). All float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]

PP, PV, VV = 0, 1, 2
_WHWH = [2, 3, 2, 3]


@dataclass(frozen=True, slots=True)
class MotionNoise:
    """Noise levels as fractions of the box size (tuned on MOT15, see the tracker module).

    measurement: std of a detection's centre and size (x and w by width, y and h by height).
    position: std the centre wanders per sqrt(second) beyond constant velocity.
    velocity: std the velocity changes per second per sqrt(second) (white acceleration).
    initial_velocity: std of a new track's unknown velocity, per second.
    size_rate: how much slower than the centre the box size moves (its noise factor).
    """

    measurement: float = 0.1
    position: float = 0.15
    velocity: float = 0.25
    initial_velocity: float = 1.2
    size_rate: float = 0.5


def box_to_z(xyxy: F64) -> F64:
    """(N, 4) xyxy -> (N, 4) [cx, cy, w, h]."""
    z = np.empty_like(xyxy)
    z[:, 0:2] = (xyxy[:, 0:2] + xyxy[:, 2:4]) * 0.5
    z[:, 2:4] = xyxy[:, 2:4] - xyxy[:, 0:2]
    return z


def z_to_box(z: F64) -> F64:
    """(N, >=4) [cx, cy, w, h, ...] -> (N, 4) xyxy."""
    out = np.empty((len(z), 4))
    half = z[:, 2:4] * 0.5
    out[:, 0:2] = z[:, 0:2] - half
    out[:, 2:4] = z[:, 0:2] + half
    return out


class KalmanBoxFilter:
    """Stateless filter: every method takes and returns the stacked arrays of many tracks."""

    def __init__(self, noise: MotionNoise | None = None) -> None:
        self.noise = noise if noise is not None else MotionNoise()

    @staticmethod
    def _size(mean: F64) -> F64:
        """(N, 4) box size per coordinate: [w, h, w, h] (at least 1 px)."""
        out: F64 = np.maximum(mean[:, _WHWH], 1.0)
        return out

    def _motion_unit(self, mean: F64) -> F64:
        """(N, 4) unit of the process noise: sqrt(w h) for the centre, size_rate * w or h for the size."""
        s = self._size(mean)
        s[:, 0] = s[:, 1] = np.sqrt(s[:, 0] * s[:, 1])
        s[:, 2:] *= self.noise.size_rate
        return s

    def initiate(self, z: F64) -> tuple[F64, F64]:
        """New tracks at measurements ``z`` (N, 4), at rest but with uncertain velocity."""
        mean = np.zeros((len(z), 8))
        mean[:, :4] = z
        cov = np.zeros((len(z), 3, 4))
        cov[:, PP] = (2.0 * self.noise.measurement * self._size(mean)) ** 2
        cov[:, VV] = (self.noise.initial_velocity * self._motion_unit(mean)) ** 2
        return mean, cov

    def predict(self, mean: F64, cov: F64, dt: float | F64) -> tuple[F64, F64]:
        """Advance all tracks by ``dt`` seconds (one value, or (N,) one per track)."""
        d = np.asarray(dt, np.float64)
        if d.ndim:
            d = d[:, None]
        pos2, vel2 = self.noise.position**2, self.noise.velocity**2
        u2 = self._motion_unit(mean) ** 2
        out = mean.copy()
        out[:, :4] += d * mean[:, 4:]
        pp, pv, vv = cov[:, PP], cov[:, PV], cov[:, VV]
        p = np.empty_like(cov)
        p[:, PP] = pp + d * (2.0 * pv + d * vv) + (pos2 * d + vel2 / 3.0 * d * d * d) * u2
        p[:, PV] = pv + d * vv + (vel2 / 2.0 * d * d) * u2
        p[:, VV] = vv + (vel2 * d) * u2
        return out, p

    def innovation_var(self, mean: F64, cov: F64) -> F64:
        """(N, 4) variance of a measurement predicted from each track."""
        out: F64 = cov[:, PP] + (self.noise.measurement * self._size(mean)) ** 2
        return out

    def update(self, mean: F64, cov: F64, z: F64) -> tuple[F64, F64]:
        """Correct each track with its measurement ``z`` (N, 4)."""
        s = self.innovation_var(mean, cov)
        pp, pv, vv = cov[:, PP], cov[:, PV], cov[:, VV]
        kp = pp / s
        kv = pv / s
        innov = z - mean[:, :4]
        out = mean.copy()
        out[:, :4] += kp * innov
        out[:, 4:] += kv * innov
        c = np.empty_like(cov)
        c[:, PP] = pp * (1.0 - kp)
        c[:, PV] = pv * (1.0 - kp)
        c[:, VV] = vv - kv * pv
        return out, c
