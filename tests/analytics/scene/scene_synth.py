"""Synthetic footage for scene-model tests: textured blobs walking over a textured floor.

Normal: walkers cross the frame at walking speed in lanes (their lane's speed varies a
little). Anomaly: one blob of the same size at several times that speed. All seeded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from vigil.types import Frame

SIZE = (320, 240)
FPS = 20.0
BLOB = (16, 32)  # walker w, h in pixels
FAST = (24, 48)  # the fast blob: about 1.5 % of the frame


def texture(rng: np.random.Generator, h: int, w: int, lo: int, hi: int, blur: int = 3) -> np.ndarray:
    noise = rng.random((h, w)).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), blur)
    noise = (noise - noise.min()) / max(float(noise.max() - noise.min()), 1e-6)
    return (lo + noise * (hi - lo)).astype(np.uint8)


@dataclass
class Walker:
    y: float  # top of the blob
    x0: float
    speed: float  # px/s, signed
    patch: np.ndarray

    def x(self, t: float, width: int) -> float:
        span = width + BLOB[0]
        return (self.x0 + self.speed * t) % span - BLOB[0]


def make_walkers(seed: int, n: int = 6, speed: float = 20.0) -> list[Walker]:
    rng = np.random.default_rng(seed)
    lanes = np.linspace(30, SIZE[1] - 30 - BLOB[1], n)
    out = []
    for i, y in enumerate(lanes):
        v = speed * rng.uniform(0.8, 1.2) * (1 if i % 2 == 0 else -1)
        out.append(Walker(float(y), float(rng.uniform(0, SIZE[0])), v, texture(rng, BLOB[1], BLOB[0], 10, 90, 1)))
    return out


class Scene:
    """Renders frames of a scene: fixed floor, walkers, optional fast blob during [fast_from, fast_to)."""

    def __init__(self, seed: int = 0, walkers: int = 6, speed: float = 20.0) -> None:
        rng = np.random.default_rng(1000 + seed)
        self.floor = texture(rng, SIZE[1], SIZE[0], 110, 220, 2)
        self.walkers = make_walkers(seed, walkers, speed)
        self.fast_patch = texture(rng, FAST[1], FAST[0], 0, 70, 1)

    def render(self, t: float, fast: tuple[float, float, float] | None = None, caption: bool = False) -> np.ndarray:
        img = self.floor.copy()
        w = SIZE[0]
        for wk in self.walkers:
            _paste(img, wk.patch, round(wk.x(t, w)), int(wk.y))
        if fast is not None:
            t0, y, v = fast
            _paste(img, self.fast_patch, round(self.fast_x(t, t0, v)), int(y))
        if caption and int(t * 4) % 2 == 0:
            img[0:20, 0:150] = 255
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)

    @staticmethod
    def fast_x(t: float, t0: float, v: float) -> float:
        """Left edge of the fast blob: enters at the left at t0, wraps around."""
        return (v * (t - t0)) % (SIZE[0] + FAST[0]) - FAST[0]

    def frames(
        self, seconds: float, *, t0: float = 0.0, fast_from: float | None = None, fast_speed: float = 120.0,
        fast_y: float = 100.0, caption: bool = False, fps: float = FPS,
    ) -> Iterator[Frame]:
        for i in range(round(seconds * fps)):
            t = t0 + i / fps
            fast = (fast_from, fast_y, fast_speed) if fast_from is not None and t >= fast_from else None
            yield Frame(self.render(t, fast, caption), i, t)


def _paste(img: np.ndarray, patch: np.ndarray, x: int, y: int) -> None:
    h, w = patch.shape
    x0, x1 = max(x, 0), min(x + w, img.shape[1])
    y0, y1 = max(y, 0), min(y + h, img.shape[0])
    if x0 < x1 and y0 < y1:
        img[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]
