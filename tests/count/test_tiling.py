"""Tiles: layout, merging boxes across tile borders, and TiledDetector end to end on blobs."""

from __future__ import annotations

import numpy as np
import pytest
from countfakes import BlobDetector, draw_people

from vigil.detect.base import Detector
from vigil.detect.tiling import (
    TiledDetector,
    TileLayout,
    Window,
    cut_sides,
    merge_tiles,
)
from vigil.types import Detections


def dets(boxes: list[list[float]], scores: list[float] | None = None, classes: list[int] | None = None) -> Detections:
    n = len(boxes)
    return Detections(
        np.array(boxes, np.float32).reshape(-1, 4),
        np.array(scores if scores is not None else [0.9] * n, np.float32),
        np.array(classes if classes is not None else [0] * n, np.int64),
    )


# --- layout ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (TileLayout(1, 1), 1),
        (TileLayout(2, 2), 4),
        (TileLayout(3, 3), 9),
        (TileLayout(2, 2, top_cols=3), 5),
        (TileLayout(2, 2, full_frame=True), 5),
        (TileLayout(1, 1, full_frame=True), 1),  # the whole frame is not run twice
        (TileLayout(4, 3, top_cols=5), 2 * 5 + 2 * 3),
    ],
)
def test_window_counts(layout: TileLayout, expected: int) -> None:
    assert len(layout.windows(480, 640)) == expected


@pytest.mark.parametrize("layout", [TileLayout(2, 2), TileLayout(3, 3, 0.25), TileLayout(2, 3, 0.1, top_cols=5)])
def test_windows_cover_the_frame_and_overlap(layout: TileLayout) -> None:
    h, w = 480, 640
    covered = np.zeros((h, w), np.int32)
    for win in layout.windows(h, w):
        assert 0 <= win.x0 < win.x1 <= w and 0 <= win.y0 < win.y1 <= h
        covered[win.y0 : win.y1, win.x0 : win.x1] += 1
    assert covered.min() >= 1
    if layout.overlap > 0:
        assert covered.max() >= 2


def test_overlap_is_a_fraction_of_the_tile() -> None:
    a, b = TileLayout(1, 2, overlap=0.25).windows(100, 700)
    assert a.x0 == 0 and b.x1 == 700
    shared = a.x1 - b.x0
    assert shared == pytest.approx(0.25 * a.width, abs=1)


def test_top_rows_get_more_columns() -> None:
    wins = TileLayout(2, 2, top_cols=3).windows(480, 640)
    top = [w for w in wins if w.y0 == 0]
    bottom = [w for w in wins if w.y0 > 0]
    assert len(top) == 3 and len(bottom) == 2
    assert max(w.width for w in top) < min(w.width for w in bottom)


@pytest.mark.parametrize(
    ("text", "cols", "rows", "error"),
    [("3x3", 3, 3, None), ("4x2", 4, 2, None), ("2", 2, 2, None), (" 1 x 1 ", 1, 1, None), ("2x2+full", 2, 2, None),
     ("3x", None, None, "COLSxROWS"), ("axb", None, None, "COLSxROWS"), ("0x2", None, None, "at least 1x1"),
     ("2x2x2", None, None, "COLSxROWS")],
)
def test_parse(text: str, cols: int | None, rows: int | None, error: str | None) -> None:
    if error:
        with pytest.raises(ValueError, match=error):
            TileLayout.parse(text)
    else:
        lay = TileLayout.parse(text)
        assert (lay.cols, lay.rows) == (cols, rows)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"overlap": 0.6}, "overlap"), ({"overlap": -0.1}, "overlap"), ({"top_cols": 1, "cols": 2}, "top_cols")],
)
def test_bad_layouts(kwargs: dict[str, float], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        TileLayout(**kwargs)  # type: ignore[arg-type]


# --- merging ----------------------------------------------------------------------------

LEFT, RIGHT = Window(0, 0, 120, 100), Window(80, 0, 200, 100)  # share columns 80..120 of a 200x100 frame


def test_cut_sides_ignore_frame_edges() -> None:
    boxes = dets([[0, 10, 20, 50], [100, 10, 120, 50], [50, 60, 70, 100]]).xyxy
    cut = cut_sides(boxes, LEFT, 100, 200)
    # box 0 touches the frame's left edge (not a cut); box 1 ends on the tile's right border (a cut);
    # box 2 touches the bottom, which is the frame's edge
    assert cut.tolist() == [[False] * 4, [False, False, True, False], [False] * 4]


def test_person_inside_the_overlap_is_one_box() -> None:
    # fully visible in both tiles: the same box twice
    out = merge_tiles([(dets([[90, 20, 110, 80]]), LEFT), (dets([[90, 20, 110, 80]], [0.8]), RIGHT)], 100, 200)
    assert len(out) == 1


def test_fragment_at_a_border_is_dropped_for_the_whole_view() -> None:
    # a person at x 95..135: whole in the right tile, cut at x=120 in the left one
    left = dets([[95, 20, 120, 80]], [0.95])  # the fragment even scores higher
    right = dets([[95, 20, 135, 80]], [0.7])
    out = merge_tiles([(left, LEFT), (right, RIGHT)], 100, 200)
    assert len(out) == 1
    np.testing.assert_allclose(out.xyxy[0], [95, 20, 135, 80])


def test_person_larger_than_the_overlap_is_stitched() -> None:
    # x 60..150 is wider than the overlap: the left tile sees 60..120, the right 80..150
    left = dets([[60, 10, 120, 90]], [0.8])
    right = dets([[80, 12, 150, 88]], [0.6])
    out = merge_tiles([(left, LEFT), (right, RIGHT)], 100, 200)
    assert len(out) == 1
    np.testing.assert_allclose(out.xyxy[0], [60, 10, 150, 90])
    assert out.scores[0] == pytest.approx(0.8)


def test_two_people_one_behind_the_other_stay_two() -> None:
    # uncut boxes: a small person mostly inside a large one's box is still a person
    out = merge_tiles([(dets([[10, 10, 60, 95], [20, 15, 45, 60]], [0.9, 0.6]), LEFT)], 100, 200)
    assert len(out) == 2


def test_cut_boxes_of_different_classes_do_not_merge() -> None:
    left = dets([[95, 20, 120, 80]], [0.9], [0])
    right = dets([[95, 20, 135, 80]], [0.9], [24])  # a backpack there
    out = merge_tiles([(left, LEFT), (right, RIGHT)], 100, 200)
    assert sorted(out.class_ids.tolist()) == [0, 24]


def test_side_by_side_people_at_a_border_are_not_stitched() -> None:
    # both cut at x=120/x=80 but at different heights: not the same person
    left = dets([[60, 0, 120, 40]])
    right = dets([[80, 55, 150, 100]])
    assert len(merge_tiles([(left, LEFT), (right, RIGHT)], 100, 200)) == 2


def test_vertical_stitch() -> None:
    top, bottom = Window(0, 0, 100, 60), Window(0, 40, 100, 100)
    out = merge_tiles([(dets([[30, 10, 50, 60]]), top), (dets([[31, 40, 52, 95]]), bottom)], 100, 100)
    assert len(out) == 1
    np.testing.assert_allclose(out.xyxy[0], [30, 10, 52, 95])


def test_merge_of_nothing_is_empty() -> None:
    assert len(merge_tiles([(Detections.empty(), LEFT), (Detections.empty(), RIGHT)], 100, 200)) == 0


# --- TiledDetector on images ------------------------------------------------------------


def test_tiled_detector_is_a_detector() -> None:
    assert isinstance(TiledDetector(BlobDetector(), TileLayout(2, 2)), Detector)


@pytest.mark.parametrize("layout", [TileLayout(2, 2, 0.2), TileLayout(3, 3, 0.1), TileLayout(2, 2, 0.2, top_cols=3)])
def test_people_across_tile_borders_are_counted_once(layout: TileLayout) -> None:
    # people everywhere, several straddling the tile borders of a 480x640 frame
    people = [(300, 100, 340, 200), (20, 220, 60, 300), (150, 150, 180, 300), (400, 200, 460, 280),
              (600, 400, 630, 470), (200, 20, 230, 90), (310, 300, 330, 420)]
    image = draw_people((480, 640), people)
    base = BlobDetector()
    found = TiledDetector(base, layout).detect(image)
    assert len(found) == len(people)
    assert base.calls == len(layout.windows(480, 640))
    for box in people:
        iou = _best_iou(np.array(box, np.float32), found.xyxy)
        assert iou > 0.9, f"{box} not found whole (best IoU {iou:.2f})"


def test_tiles_see_small_people_larger() -> None:
    base = BlobDetector()
    TiledDetector(base, TileLayout(2, 2, 0.2, full_frame=True)).detect(np.zeros((480, 640, 3), np.uint8))
    assert base.shapes[-1] == (480, 640)  # the whole frame last
    assert all(h < 480 and w < 640 for h, w in base.shapes[:-1])


def test_whole_frame_layout_passes_through() -> None:
    image = draw_people((120, 160), [(10, 10, 30, 50)])
    base = BlobDetector()
    found = TiledDetector(base, TileLayout(1, 1)).detect(image)
    assert len(found) == 1 and base.calls == 1


def test_times_count_frames_not_tiles() -> None:
    det = TiledDetector(BlobDetector(), TileLayout(3, 3))
    for _ in range(2):
        det.detect(np.zeros((90, 120, 3), np.uint8))
    assert det.times.calls == 2
    assert det.times.postprocess >= 0.0


def _best_iou(box: np.ndarray, boxes: np.ndarray) -> float:
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return float((inter / (area + areas - inter)).max())


def test_nms_merge_keeps_fragments_but_not_duplicates() -> None:
    # a person at x 100..150: whole in the right tile, a fragment (IoU 0.4) in the left one
    left = dets([[100, 20, 120, 80], [30, 20, 50, 60]], [0.9, 0.8])
    right = dets([[100, 20, 150, 80], [160, 20, 180, 60]], [0.7, 0.8])
    both = [(left, LEFT), (right, RIGHT)]
    assert len(merge_tiles(both, 100, 200, mode="whole")) == 3
    assert len(merge_tiles(both, 100, 200, mode="nms")) == 4
    same = [(dets([[90, 20, 110, 80]]), LEFT), (dets([[90, 20, 110, 80]], [0.8]), RIGHT)]
    assert len(merge_tiles(same, 100, 200, mode="nms")) == 1


def test_bad_merge_mode() -> None:
    with pytest.raises(ValueError, match="tile merge"):
        TiledDetector(BlobDetector(), TileLayout(2, 2), merge="union")  # type: ignore[arg-type]
