"""Run a detector on overlapping tiles of a frame (and optionally the whole frame) and merge.

A small detector at a fixed input size misses people that are only a few pixels tall:
the back of a dense scene. Cutting the frame into tiles enlarges them for the network.
The price is one network run per tile, and boxes cut by tile borders.

Merging, per class:

1. Every tile's boxes are moved into frame pixels. A box whose edge lies on a tile
   border that is inside the frame (not on the frame edge) is *cut*: it may show only
   part of an object.
2. Stitching: two cut boxes from different tiles, cut at the same border from opposite
   sides and overlapping along it, are one object seen through two tiles (it is larger
   than the overlap); they become their union, with the higher score.
3. Greedy NMS by IoU over all boxes (class-aware), visiting uncut boxes before cut
   ones (each by score), so a fragment never suppresses the whole view of its object.
4. Fragment suppression: a cut box that lies mostly inside another box of its class
   (intersection over the cut box's own area >= ``containment``) is a fragment of that
   object and is dropped. An uncut box is never dropped this way, so two people standing
   one behind the other stay two.

With ``merge="nms"`` only step 3 runs (plain class-aware NMS over all tiles' boxes):
fragments of a person cut by a border stay as extra boxes. Counting prefers that: the
fragments are more frequent where people crowd, and a count calibration turns them into
people (see :mod:`vigil.count`), while whole-object boxes suit tracking.

Tiles are laid out by :class:`TileLayout`: a grid of ``rows`` x ``cols`` tiles with a
fractional ``overlap``, optionally with more (smaller) tiles in the upper rows, where
people are farther away and smaller (``top_cols``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from vigil.detect.base import Detector, StageTimes
from vigil.detect.nms import nms
from vigil.types import Detections, FloatArray, Image, IntArray

BoolArray = npt.NDArray[np.bool_]
MergeMode = Literal["whole", "nms"]

_EDGE_TOLERANCE = 2.0  # px: a box edge this close to a tile border counts as cut by it
_LEFT, _TOP, _RIGHT, _BOTTOM = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Window:
    """One tile in frame pixels: columns ``x0:x1``, rows ``y0:y1``."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def _spans(length: int, parts: int, overlap: float) -> list[tuple[int, int]]:
    """``parts`` equal spans covering ``0..length``, neighbours sharing ``overlap`` of a span."""
    if parts == 1:
        return [(0, length)]
    # parts * size - (parts - 1) * overlap * size = length
    size = length / (parts - (parts - 1) * overlap)
    step = size * (1.0 - overlap)
    out = []
    for i in range(parts):
        a = round(i * step)
        b = length if i == parts - 1 else min(length, round(i * step + size))
        out.append((a, b))
    return out


@dataclass(frozen=True, slots=True)
class TileLayout:
    """How a frame is cut into tiles.

    rows, cols: the grid (cols across, rows down). overlap: fraction of a tile's width
    (height) shared with its right (lower) neighbour, in [0, 0.5]. top_cols: columns in
    the upper half of the rows when larger than ``cols`` (perspective: people are smaller
    at the top), e.g. rows=2, cols=2, top_cols=3 puts 3 tiles above 2. full_frame: also
    run the whole frame once (large, near objects are seen whole).
    """

    rows: int = 2
    cols: int = 2
    overlap: float = 0.2
    top_cols: int | None = None
    full_frame: bool = False

    def __post_init__(self) -> None:
        if self.rows < 1 or self.cols < 1:
            raise ValueError(f"tile grid must be at least 1x1, got {self.cols}x{self.rows}")
        if not 0.0 <= self.overlap <= 0.5:
            raise ValueError(f"tile overlap must be within [0, 0.5], got {self.overlap}")
        if self.top_cols is not None and self.top_cols < self.cols:
            raise ValueError(f"top_cols ({self.top_cols}) must be at least cols ({self.cols})")

    @classmethod
    def parse(cls, text: str, overlap: float = 0.2, full_frame: bool = False) -> TileLayout:
        """``"3x3"`` (cols x rows), ``"3"`` (3x3), ``"1x1"`` (whole frame only); a ``"+full"``
        suffix (``"2x2+full"``) also runs the whole frame."""
        spec = text.lower().replace(" ", "")
        if spec.endswith("+full"):
            spec, full_frame = spec[: -len("+full")], True
        parts = spec.split("x")
        try:
            nums = [int(p) for p in parts]
        except ValueError as e:
            raise ValueError(f"tile grid {text!r} is not COLSxROWS, e.g. 3x3 or 2x2+full") from e
        if len(nums) == 1:
            nums = nums * 2
        if len(nums) != 2:
            raise ValueError(f"tile grid {text!r} is not COLSxROWS, e.g. 3x3 or 2x2+full")
        return cls(rows=nums[1], cols=nums[0], overlap=overlap, full_frame=full_frame)

    @property
    def is_whole_frame(self) -> bool:
        return self.rows == 1 and self.cols == 1 and self.top_cols is None

    def windows(self, height: int, width: int) -> list[Window]:
        """The tiles of a ``height`` x ``width`` frame, row by row (the full frame last, if asked)."""
        out: list[Window] = []
        rows = _spans(height, self.rows, self.overlap)
        upper = math.ceil(self.rows / 2) if self.top_cols is not None else 0
        for r, (y0, y1) in enumerate(rows):
            cols = self.top_cols if (self.top_cols is not None and r < upper) else self.cols
            assert cols is not None
            for x0, x1 in _spans(width, cols, self.overlap):
                out.append(Window(x0, y0, x1, y1))
        if self.full_frame and not self.is_whole_frame:
            out.append(Window(0, 0, width, height))
        return out


def cut_sides(xyxy: FloatArray, window: Window, height: int, width: int) -> BoolArray:
    """(N, 4) bool: is box i's left/top/right/bottom edge on a border of ``window`` inside the frame."""
    tol = _EDGE_TOLERANCE
    cut = np.zeros((len(xyxy), 4), np.bool_)
    if window.x0 > 0:
        cut[:, _LEFT] = xyxy[:, 0] <= window.x0 + tol
    if window.y0 > 0:
        cut[:, _TOP] = xyxy[:, 1] <= window.y0 + tol
    if window.x1 < width:
        cut[:, _RIGHT] = xyxy[:, 2] >= window.x1 - tol
    if window.y1 < height:
        cut[:, _BOTTOM] = xyxy[:, 3] >= window.y1 - tol
    return cut


def _intersection(a: FloatArray, b: FloatArray) -> npt.NDArray[np.float64]:
    """(len(a), len(b)) intersection areas."""
    iw = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    ih = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.asarray(np.maximum(iw, 0.0).astype(np.float64) * np.maximum(ih, 0.0), np.float64)


def _area(b: FloatArray) -> npt.NDArray[np.float64]:
    return np.asarray(np.maximum(b[:, 2] - b[:, 0], 0.0).astype(np.float64) * np.maximum(b[:, 3] - b[:, 1], 0.0))


def suppress_fragments(
    xyxy: FloatArray, scores: FloatArray, class_ids: IntArray, cut: BoolArray, containment: float
) -> BoolArray:
    """(N,) keep-mask: False for cut boxes mostly inside another box of the same class.

    A cut box i is dropped when some other box j of its class (not itself dropped) covers
    at least ``containment`` of i's area and j is larger than i. Boxes are visited from
    the largest down, so a chain of fragments collapses onto the largest box.
    """
    n = len(xyxy)
    keep = np.ones(n, np.bool_)
    is_cut: BoolArray = np.asarray(cut.any(axis=1), np.bool_)
    if n < 2 or not is_cut.any():
        return keep
    area = _area(xyxy)
    inter = _intersection(xyxy, xyxy)
    cover = inter / np.maximum(area[:, None], 1e-9)  # cover[i, j]: share of box i inside box j
    same = class_ids[:, None] == class_ids[None, :]
    larger = area[None, :] > area[:, None]
    candidate = np.asarray(same & larger & (cover >= containment), np.bool_)
    np.fill_diagonal(candidate, False)
    for i in np.argsort(-area, kind="stable"):
        if is_cut[i] and np.any(candidate[i] & keep):
            keep[i] = False
    return keep


def stitch_cut_pairs(
    xyxy: FloatArray, scores: FloatArray, class_ids: IntArray, cut: BoolArray, tile: IntArray, min_overlap: float
) -> tuple[FloatArray, FloatArray, IntArray, BoolArray]:
    """Join pairs of boxes cut at one border from opposite sides into their union.

    Box i cut on its right and box j (another tile) cut on its left, of one class, that
    overlap horizontally and share at least ``min_overlap`` of the shorter one's height
    are one object; the same for bottom/top with widths. Greedy, highest score first;
    each box joins at most one partner per axis. Returns the new arrays and cut flags.
    """
    b = xyxy.copy()
    s = scores.copy()
    c = cut.copy()
    alive = np.ones(len(b), np.bool_)
    for side_a, side_b, lo, hi in ((_RIGHT, _LEFT, 1, 3), (_BOTTOM, _TOP, 0, 2)):
        firsts = np.flatnonzero(c[:, side_a])
        seconds = np.flatnonzero(c[:, side_b])
        if len(firsts) == 0 or len(seconds) == 0:
            continue
        for i in firsts[np.argsort(-s[firsts], kind="stable")]:
            if not alive[i]:
                continue
            js = seconds[alive[seconds] & (tile[seconds] != tile[i]) & (class_ids[seconds] == class_ids[i])]
            js = js[js != i]
            # across the border they must touch or overlap ...
            axis = 0 if side_a == _RIGHT else 1
            js = js[(b[js, axis] <= b[i, axis + 2]) & (b[js, axis + 2] > b[i, axis + 2])]
            if len(js) == 0:
                continue
            # ... and along it they must line up
            shared = np.minimum(b[i, hi], b[js, hi]) - np.maximum(b[i, lo], b[js, lo])
            shorter = np.minimum(b[i, hi] - b[i, lo], b[js, hi] - b[js, lo])
            share = np.where(shorter > 0, shared / np.maximum(shorter, 1e-9), 0.0)
            k = int(np.argmax(share))
            if share[k] < min_overlap:
                continue
            j = js[k]
            b[i, :2] = np.minimum(b[i, :2], b[j, :2])
            b[i, 2:] = np.maximum(b[i, 2:], b[j, 2:])
            s[i] = max(s[i], s[j])
            joined = c[i] | c[j]  # perpendicular sides: cut if either part was
            joined[side_a], joined[side_b] = c[j, side_a], c[i, side_b]  # the outer ends
            c[i] = joined
            alive[j] = False
    return b[alive], s[alive], class_ids[alive], c[alive]


def merge_tiles(
    parts: Sequence[tuple[Detections, Window]],
    height: int,
    width: int,
    nms_threshold: float = 0.45,
    containment: float = 0.7,
    stitch_overlap: float = 0.5,
    mode: MergeMode = "whole",
) -> Detections:
    """One frame's detections from per-tile detections (boxes already in frame pixels).

    parts: (detections, the tile they came from). mode: "whole" (stitch, NMS, drop
    fragments) or "nms" (NMS only). See the module doc for the steps.
    """
    boxes, scores, classes, cuts, tiles = [], [], [], [], []
    for k, (dets, win) in enumerate(parts):
        if len(dets) == 0:
            continue
        boxes.append(dets.xyxy)
        scores.append(dets.scores)
        classes.append(dets.class_ids)
        cuts.append(cut_sides(dets.xyxy, win, height, width))
        tiles.append(np.full(len(dets), k, np.int64))
    if not boxes:
        return Detections.empty()
    xyxy = np.concatenate(boxes)
    sc = np.concatenate(scores)
    cls = np.concatenate(classes)
    cut = np.concatenate(cuts)
    tile = np.concatenate(tiles)
    if mode == "nms":
        keep = nms(xyxy, sc, cls, nms_threshold)
        return Detections(xyxy[keep], sc[keep], cls[keep])

    xyxy, sc, cls, cut = stitch_cut_pairs(xyxy, sc, cls, cut, tile, stitch_overlap)
    # Whole views first: a fragment never suppresses the box of the whole object.
    priority = sc + (~cut.any(axis=1)).astype(np.float32)
    keep = nms(xyxy, priority, cls, nms_threshold)
    xyxy, sc, cls, cut = xyxy[keep], sc[keep], cls[keep], cut[keep]
    mask = suppress_fragments(xyxy, sc, cls, cut, containment)
    xyxy, sc, cls = xyxy[mask], sc[mask], cls[mask]
    return Detections(xyxy, sc, cls)


class TiledDetector:
    """A :class:`Detector` that runs ``base`` on the tiles of ``layout`` and merges the boxes.

    ``base`` should keep low-score boxes (its own score threshold) since scores on tiles
    differ from whole-frame ones; merge / nms_threshold / containment / stitch_overlap are
    the merge parameters (see :func:`merge_tiles`). ``times`` accumulates the base detector's
    stages plus merging (in postprocess); ``calls`` counts frames, not tiles.
    """

    def __init__(
        self,
        base: Detector,
        layout: TileLayout,
        *,
        merge: MergeMode = "whole",
        nms_threshold: float = 0.45,
        containment: float = 0.7,
        stitch_overlap: float = 0.5,
    ) -> None:
        if merge not in ("whole", "nms"):
            raise ValueError(f"tile merge must be 'whole' or 'nms', got {merge!r}")
        if not 0.0 < nms_threshold <= 1.0:
            raise ValueError(f"nms_threshold must be within (0, 1], got {nms_threshold}")
        if not 0.0 < containment <= 1.0:
            raise ValueError(f"containment must be within (0, 1], got {containment}")
        self.base = base
        self.layout = layout
        self.merge: MergeMode = merge
        self.nms_threshold = nms_threshold
        self.containment = containment
        self.stitch_overlap = stitch_overlap
        self.times = StageTimes()
        self._windows: list[Window] = []
        self._shape: tuple[int, int] | None = None

    @property
    def runs_per_frame(self) -> int:
        """Network runs per frame (after the first frame fixed the frame size)."""
        return len(self._windows) if self._windows else len(self.layout.windows(480, 640))

    def detect(self, image: Image) -> Detections:
        """Detections in the pixel frame of ``image`` ((H, W, 3) uint8 BGR)."""
        h, w = int(image.shape[0]), int(image.shape[1])
        if (h, w) != self._shape:
            self._windows = self.layout.windows(h, w)
            self._shape = (h, w)
        before = _snapshot(self.base.times)
        parts: list[tuple[Detections, Window]] = []
        for win in self._windows:
            dets = self.base.detect(image[win.y0 : win.y1, win.x0 : win.x1])
            if len(dets) and (win.x0 or win.y0):
                moved = dets.xyxy + np.array([win.x0, win.y0, win.x0, win.y0], np.float32)
                dets = Detections(moved, dets.scores, dets.class_ids)
            parts.append((dets, win))
        t0 = time.perf_counter()
        merged = parts[0][0] if len(parts) == 1 else merge_tiles(
            parts, h, w, self.nms_threshold, self.containment, self.stitch_overlap, self.merge
        )
        t1 = time.perf_counter()
        after = self.base.times
        self.times.preprocess += after.preprocess - before[0]
        self.times.inference += after.inference - before[1]
        self.times.postprocess += after.postprocess - before[2] + (t1 - t0)
        self.times.calls += 1
        return merged


def _snapshot(t: StageTimes) -> tuple[float, float, float]:
    return t.preprocess, t.inference, t.postprocess
