"""The detector used for counting: the configured model on tiles, keeping low-score boxes."""

from __future__ import annotations

from typing import Any

from vigil.config.models import DetectorConfig
from vigil.count.config import CountingConfig
from vigil.detect import Detector, create_detector
from vigil.detect.tiling import TiledDetector, TileLayout


def tile_layout(counting: CountingConfig, tiles: str | None = None) -> TileLayout:
    """The :class:`TileLayout` of ``counting``, or of ``tiles`` when given.

    ``tiles`` (``--tiles``) is a plain grid, e.g. ``"3x3"``: no finer top row, and the
    whole frame only with a ``"+full"`` suffix (``"2x2+full"``); the overlap stays the
    config's. top_cols not wider than the grid is ignored.
    """
    try:
        if tiles is not None:
            return TileLayout.parse(tiles, counting.overlap)
        base = TileLayout.parse(counting.tiles, counting.overlap, counting.full_frame)
    except ValueError as e:
        raise ValueError(f"counting.tiles: {e}") from e
    top = counting.top_cols
    if top is not None and base.rows > 1 and top > base.cols:
        return TileLayout(base.rows, base.cols, base.overlap, top, base.full_frame)
    return base


def describe_setup(detector: DetectorConfig, layout: TileLayout, counting: CountingConfig) -> dict[str, Any]:
    """What a count calibration depends on: model, input size, tiling and merging."""
    return {
        "model": detector.model,
        "input_size": detector.input_size,
        "nms_threshold": detector.nms_threshold,
        "tiles": f"{layout.cols}x{layout.rows}",
        "top_cols": layout.top_cols,
        "overlap": layout.overlap,
        "full_frame": layout.full_frame,
        "merge": counting.merge,
    }


def describe_layout(layout: TileLayout, merge: str = "nms") -> str:
    """E.g. ``"tiles 2x2 (3 across the top) + full frame, overlap 0.2, nms merge"`` or ``"whole frame"``."""
    if layout.is_whole_frame:
        return "whole frame"
    text = f"tiles {layout.cols}x{layout.rows}"
    if layout.top_cols is not None:
        text += f" ({layout.top_cols} across the top)"
    if layout.full_frame:
        text += " + full frame"
    return f"{text}, overlap {layout.overlap:g}, {merge} merge"


def create_counting_detector(detector: DetectorConfig, counting: CountingConfig, tiles: str | None = None) -> Detector:
    """``detector``'s model keeping boxes down to ``counting.detector_threshold``, on the tiles.

    Raises ModelNotFoundError / ModelInvalidError like :func:`vigil.detect.create_detector`.
    """
    layout = tile_layout(counting, tiles)
    base = create_detector(detector.model_copy(update={"score_threshold": counting.detector_threshold}))
    if layout.is_whole_frame:
        return base
    return TiledDetector(base, layout, merge=counting.merge, nms_threshold=detector.nms_threshold)
