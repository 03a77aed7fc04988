"""Fakes for the counting tests (imported as ``countfakes``): a detector that finds bright blobs, and tiny datasets.

``BlobDetector`` implements the Detector protocol without a network: every connected
blob of pixels brighter than 40 in the image it is given is one "person" box (clipped
to that image, as a real detector's boxes are), scored by the blob's brightness / 255.
Drawing a square of value 230 makes a confident person, 50 a doubtful one.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from vigil.detect.base import StageTimes
from vigil.types import Detections, Image


class BlobDetector:
    """``detect(image)``: one box per bright connected blob, score = its max brightness / 255."""

    def __init__(self) -> None:
        self.times = StageTimes()
        self.calls = 0
        self.shapes: list[tuple[int, int]] = []

    def detect(self, image: Image) -> Detections:
        self.calls += 1
        self.times.calls += 1
        self.shapes.append((int(image.shape[0]), int(image.shape[1])))
        gray = np.ascontiguousarray(image.max(axis=2))
        n, labels, stats, _ = cv2.connectedComponentsWithStats((gray > 40).astype(np.uint8), connectivity=4)
        boxes, scores = [], []
        for k in range(1, n):
            x, y, w, h, _area = stats[k]
            boxes.append([x, y, x + w, y + h])
            scores.append(float(gray[labels == k].max()) / 255.0)
        if not boxes:
            return Detections.empty()
        return Detections(np.array(boxes, np.float32), np.array(scores, np.float32), np.zeros(len(boxes), np.int64))


def draw_people(
    shape: tuple[int, int], boxes: Sequence[tuple[int, int, int, int]], values: Sequence[int] | None = None
) -> Image:
    """A black BGR image with each (x0, y0, x1, y1) box filled with its value (default 230)."""
    img = np.zeros((*shape, 3), np.uint8)
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        img[y0:y1, x0:x1] = 230 if values is None else values[i]
    return img


def write_dataset(
    root: Path, frames: Sequence[tuple[int, int]], seed: int = 0, times: Sequence[float] | None = None
) -> Path:
    """A counting dataset: frame i shows ``confident`` bright and ``doubtful`` dim squares.

    frames: per frame (confident, doubtful); its label is their sum. Squares sit on a grid
    so they never touch. Returns ``root``.
    """
    rng = np.random.default_rng(seed)
    (root / "frames").mkdir(parents=True)
    cells = [(x, y) for y in range(4, 100, 16) for x in range(4, 140, 16)]
    with (root / "labels.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["frame", "count"] + (["time"] if times is not None else []))
        for i, (sure, dim) in enumerate(frames, start=1):
            picks = rng.choice(len(cells), sure + dim, replace=False)
            boxes = [(cells[k][0], cells[k][1], cells[k][0] + 8, cells[k][1] + 10) for k in picks]
            img = draw_people((112, 144), boxes, [230] * sure + [50] * dim)
            cv2.imwrite(str(root / "frames" / f"seq_{i:06d}.png"), img)
            w.writerow([i, sure + dim] + ([times[i - 1]] if times is not None else []))
    return root

