"""Zones, lines and the ground plane, vectorised over the tracks of one frame.

Zones and lines are defined in normalised image coordinates (x = column / width,
y = row / height). The point that stands for an object is the bottom centre of its
box: where it touches the ground.

Ground-plane calibration: four or more image points with their ground positions in
metres give a homography ``H`` (cv2.findHomography, least squares over all pairs)
mapping image pixels to ground metres. With it, positions, distances and speeds
are metric. Without it, Vigil measures in body heights (see ``vigil.analytics.scale``).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from vigil.errors import ConfigError

F64 = npt.NDArray[np.float64]


def foot_points(xyxy: npt.NDArray[np.floating]) -> F64:
    """(N, 2) bottom centres of (N, 4) xyxy boxes."""
    b = np.asarray(xyxy, np.float64)
    return np.stack(((b[:, 0] + b[:, 2]) * 0.5, b[:, 3]), axis=1)


class ZoneMap:
    """All zones of a camera rasterised into one bit-packed image; ``lookup(points)`` -> (N, Z) membership.

    The zones are drawn (cv2.fillPoly, sub-pixel vertices) into a grid of the frame's
    size, capped at ``max_side`` cells a side, one bit per zone; a lookup is one array
    index and one unpack whatever the number of zones. Points on an edge may fall
    either way (within one grid cell).
    """

    def __init__(self, zones: Sequence[Sequence[Sequence[float]]], max_side: int = 1024) -> None:
        self._zones = [np.asarray(z, np.float64) for z in zones]
        self.max_side = max_side
        self._size: tuple[int, int] | None = None
        self._grid = np.zeros((1, 1, 1), np.uint8)
        self._scale = np.ones(2)
        self._hi = np.zeros(2, np.int64)

    def _build(self, frame_size: tuple[int, int]) -> None:
        gw, gh = min(frame_size[0], self.max_side), min(frame_size[1], self.max_side)
        nbytes = (len(self._zones) + 7) // 8
        grid = np.zeros((gh, gw, nbytes), np.uint8)
        canvas = np.zeros((gh, gw), np.uint8)
        for k, z in enumerate(self._zones):
            canvas[:] = 0
            pts = np.round(z * np.array([gw, gh]) * 16.0).astype(np.int32)  # 4 bits of sub-pixel precision
            cv2.fillPoly(canvas, [pts], 1, lineType=cv2.LINE_8, shift=4)
            grid[canvas > 0, k // 8] |= np.uint8(1 << (k % 8))
        self._grid, self._size = grid, frame_size
        self._scale = np.array([gw, gh], np.float64)
        self._hi = np.array([gw - 1, gh - 1], np.int64)

    def lookup(self, points_norm: F64, frame_size: tuple[int, int]) -> npt.NDArray[np.bool_]:
        """(N, Z) True where the normalised point lies inside each zone."""
        n, nz = len(points_norm), len(self._zones)
        if nz == 0 or n == 0:
            return np.zeros((n, nz), bool)
        if self._size != frame_size:
            self._build(frame_size)
        cell = np.minimum(np.maximum((points_norm * self._scale).astype(np.int64), 0), self._hi)
        bits = np.unpackbits(self._grid[cell[:, 1], cell[:, 0]], axis=1, count=nz, bitorder="little")
        return bits.view(bool)


class Segment:
    """A directed line a -> b in image pixels: signed side and crossing position."""

    def __init__(self, a: Sequence[float], b: Sequence[float]) -> None:
        self.a = np.asarray(a, np.float64)
        self.b = np.asarray(b, np.float64)
        self.d = self.b - self.a
        self.length = float(np.hypot(*self.d))
        self.normal = np.array([-self.d[1], self.d[0]]) / self.length  # points to the right of a->b on screen

    def signed_distance(self, points: F64) -> F64:
        """(N,) pixel distance from the infinite line; > 0 on the right of a->b (y grows downward)."""
        return (np.asarray(points, np.float64) - self.a) @ self.normal

    def crossing_fraction(self, p: Sequence[float], q: Sequence[float]) -> float:
        """Where the path p -> q meets the line, as a fraction along a -> b (0 at a, 1 at b); nan if parallel."""
        rx, ry = q[0] - p[0], q[1] - p[1]
        dx, dy = float(self.d[0]), float(self.d[1])
        den = rx * dy - ry * dx
        if abs(den) < 1e-12:
            return float("nan")
        apx, apy = p[0] - float(self.a[0]), p[1] - float(self.a[1])
        return (apx * ry - apy * rx) / -den


class GroundPlane:
    """Image pixels -> ground metres through a homography fitted to calibration pairs."""

    def __init__(
        self, image_points_norm: Sequence[Sequence[float]], ground_points_m: Sequence[Sequence[float]]
    ) -> None:
        self._img = np.asarray(image_points_norm, np.float64)
        self._ground = np.asarray(ground_points_m, np.float64)
        self._size: tuple[int, int] | None = None
        self._h: F64 | None = None

    def _fit(self, frame_size: tuple[int, int]) -> F64:
        if self._h is None or self._size != frame_size:
            w, h = frame_size
            src = self._img * np.array([w, h], np.float64)
            hom, _ = cv2.findHomography(src, self._ground, 0)
            if hom is None or not np.all(np.isfinite(hom)):
                raise ConfigError(
                    "calibration: cv2.findHomography found no homography for these point pairs "
                    "(spread four or more points over the ground, no three on one line)"
                )
            self._h, self._size = np.asarray(hom, np.float64), frame_size
            return self._h
        return self._h

    def to_ground(self, points_px: F64, frame_size: tuple[int, int]) -> F64:
        """(N, 2) pixel points -> (N, 2) ground metres."""
        hom = self._fit(frame_size)
        p = np.asarray(points_px, np.float64)
        if len(p) == 0:
            return np.zeros((0, 2))
        num = p @ hom[:2, :2].T + hom[:2, 2]
        den = p @ hom[2, :2] + hom[2, 2]
        den = np.where(np.abs(den) < 1e-9, 1e-9, den)  # points at the horizon: far away, not infinite
        return num / den[:, None]
