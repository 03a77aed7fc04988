"""Redaction burned into stored media: configured polygons and, optionally, the boxes of people.

A privacy blur (or grey fill) of the whole area: Vigil never detects or recognises
faces. The live frame is never changed; ``apply`` returns a redacted copy (or the
image itself when there is nothing to hide).
"""

from __future__ import annotations

import cv2
import numpy as np

from vigil.config.recording import RedactionConfig
from vigil.detect.classes import PERSON
from vigil.pipeline.masking import mask_pixels
from vigil.types import Image, Tracks

FILL_BGR = (128, 128, 128)
"""Grey of filled areas."""


def _blurred(image: Image) -> Image:
    """A blur strong enough that nobody is recognisable: downscale hard, then scale back up."""
    h, w = image.shape[:2]
    k = max(4, min(h, w) // 8) if min(h, w) >= 8 else 1
    small = cv2.resize(image, (max(1, w // k), max(1, h // k)), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.uint8)


class Redactor:
    """``apply(image, tracks) -> image`` with every configured region and (optionally) person box hidden."""

    def __init__(self, config: RedactionConfig) -> None:
        self.config = config
        self._polygons = [c.points for c in config.regions]
        self._size: tuple[int, int] | None = None
        self._where: np.ndarray | None = None

    @property
    def active(self) -> bool:
        return bool(self._polygons) or self.config.blur_people

    def _region_pixels(self, w: int, h: int) -> np.ndarray:
        if self._size != (w, h) or self._where is None:
            self._where = mask_pixels(self._polygons, (w, h))
            self._size = (w, h)
        return self._where

    def apply(self, image: Image, tracks: Tracks | None = None) -> Image:
        if not self.active:
            return image
        out = image.copy()
        h, w = out.shape[:2]
        if self._polygons:
            where = self._region_pixels(w, h)
            ys, xs = np.nonzero(where)
            if len(ys):
                y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
                patch = out[y0:y1, x0:x1]
                cover = self._cover(patch)
                sel = where[y0:y1, x0:x1]
                patch[sel] = cover[sel]
        if self.config.blur_people and tracks is not None and len(tracks):
            boxes = tracks.xyxy[tracks.class_ids == PERSON]
            for x1, y1, x2, y2 in np.round(boxes).astype(np.int64).tolist():
                x1, x2 = max(0, x1), min(w, x2)
                y1, y2 = max(0, y1), min(h, y2)
                if x2 > x1 and y2 > y1:
                    out[y1:y2, x1:x2] = self._cover(out[y1:y2, x1:x2])
        return out

    def _cover(self, patch: Image) -> Image:
        if self.config.method == "fill":
            return np.full_like(patch, FILL_BGR)
        return _blurred(patch)
