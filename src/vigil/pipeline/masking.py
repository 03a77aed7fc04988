"""Detection masks: fill configured polygons of a frame before the detector sees it.

The masked pixels are rasterised once per frame size (cv2.fillPoly, edges included)
into a few rectangles (one per connected masked area), each with its own small pixel
mask, or none where the rectangle is fully covered (captions, bands). Applying them
fills those pixels on a copy of the frame (a slice fill, or cv2.copyTo through the
small mask); without masks a frame passes through untouched, at no cost. See
docs/masks.md.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from vigil.config.masks import MaskConfig
from vigil.types import Frame, Image

MASK_FILL = 114
"""Grey the detector sees in masked areas: the value YOLOX pads its letterbox with, i.e. 'nothing here'."""

Bool2D = npt.NDArray[np.bool_]


def mask_pixels(polygons: Sequence[Sequence[Sequence[float]]], size: tuple[int, int]) -> Bool2D:
    """(H, W) True on the pixels covered by any of the normalised ``polygons`` in a ``size`` = (w, h) frame.

    A point [x, y] maps to pixel coordinates (x * w, y * h) at 1/16 pixel precision;
    pixels on the edge are covered (the rasterisation of cv2.fillPoly).
    """
    w, h = size
    canvas = np.zeros((h, w), np.uint8)
    scale = np.array([w, h], np.float64) * 16.0
    pts = [np.round(np.asarray(p, np.float64) * scale).astype(np.int32) for p in polygons]
    if pts:
        cv2.fillPoly(canvas, pts, 1, lineType=cv2.LINE_8, shift=4)
    return canvas.view(bool)


@dataclass(frozen=True, slots=True)
class _Patch:
    """Rows y0:y1 and columns x0:x1 of the frame; ``where`` is the 0/1 pixel mask inside it (None: all of it)
    and ``grey`` a patch of the fill colour for cv2.copyTo."""

    y0: int
    y1: int
    x0: int
    x1: int
    where: npt.NDArray[np.uint8] | None
    grey: Image | None


class FrameMasker:
    """``apply(frame) -> Frame``: the frame with every mask's pixels set to ``fill``.

    The input frame is never modified (the annotated video shows the original); a
    frame is copied only when masks exist. ``seconds`` accumulates the time spent.
    """

    def __init__(self, masks: Sequence[MaskConfig], fill: int = MASK_FILL) -> None:
        if not 0 <= fill <= 255:
            raise ValueError(f"mask fill must be a grey level 0-255, got {fill}")
        self.polygons = tuple(m.points for m in masks)
        self.fill = fill
        self.seconds = 0.0
        self._size: tuple[int, int] | None = None
        self._patches: list[_Patch] = []

    def __bool__(self) -> bool:
        return bool(self.polygons)

    def pixels(self, size: tuple[int, int]) -> Bool2D:
        """(H, W) True where a ``size`` = (w, h) frame is masked."""
        return mask_pixels(self.polygons, size)

    def _prepare(self, size: tuple[int, int]) -> list[_Patch]:
        if self._size != size:
            covered = self.pixels(size)
            patches = []
            n, labels, boxes, _ = cv2.connectedComponentsWithStats(covered.view(np.uint8), connectivity=8)
            for k in range(1, n):
                x0, y0, bw, bh, area = (int(v) for v in boxes[k])
                if area == bw * bh:
                    patches.append(_Patch(y0, y0 + bh, x0, x0 + bw, None, None))
                    continue
                where = (labels[y0 : y0 + bh, x0 : x0 + bw] == k).astype(np.uint8)
                grey = np.full((bh, bw, 3), self.fill, np.uint8)
                patches.append(_Patch(y0, y0 + bh, x0, x0 + bw, where, grey))
            self._patches, self._size = patches, size
        return self._patches

    def apply_image(self, image: Image) -> Image:
        """A masked copy of ``image`` (BGR uint8), or ``image`` itself when there are no masks."""
        if not self.polygons:
            return image
        t0 = time.perf_counter()
        out = image.copy()
        for p in self._prepare((int(image.shape[1]), int(image.shape[0]))):
            roi = out[p.y0 : p.y1, p.x0 : p.x1]
            if p.where is None or p.grey is None:
                roi[...] = self.fill
            else:
                cv2.copyTo(p.grey, p.where, roi)  # in place: roi is a view of out
        self.seconds += time.perf_counter() - t0
        return out

    def apply(self, frame: Frame) -> Frame:
        """``frame`` with its masked pixels filled (a new Frame), or ``frame`` itself without masks."""
        if not self.polygons:
            return frame
        return Frame(self.apply_image(frame.image), frame.index, frame.pts)
