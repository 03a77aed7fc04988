"""The counting config section and the tile layout it describes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from vigil.config import DetectorConfig
from vigil.count import CountingConfig
from vigil.count.detector import describe_layout, describe_setup, tile_layout


def test_defaults() -> None:
    c = CountingConfig()
    lay = tile_layout(c)
    assert (lay.cols, lay.rows, lay.top_cols, lay.full_frame) == (2, 2, 3, True)
    assert len(lay.windows(480, 640)) == 6
    assert c.thresholds == (0.1,) and c.smoothing == "kalman" and c.merge == "nms"
    assert describe_layout(lay) == "tiles 2x2 (3 across the top) + full frame, overlap 0.2, nms merge"


def test_override_is_a_plain_grid() -> None:
    lay = tile_layout(CountingConfig(), "3x3")
    assert (lay.cols, lay.rows, lay.top_cols, lay.full_frame) == (3, 3, None, False)
    assert len(lay.windows(480, 640)) == 9
    assert len(tile_layout(CountingConfig(), "2x2+full").windows(480, 640)) == 5
    whole = tile_layout(CountingConfig(), "1x1")
    assert whole.is_whole_frame and describe_layout(whole) == "whole frame"


def test_bad_override() -> None:
    with pytest.raises(ValueError, match="counting.tiles"):
        tile_layout(CountingConfig(), "three")


def test_setup_names_what_the_calibration_depends_on() -> None:
    c = CountingConfig()
    setup = describe_setup(DetectorConfig(), tile_layout(c), c)
    assert setup["model"] == "yolox-nano" and setup["tiles"] == "2x2" and setup["merge"] == "nms"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tiles": "3by3"}, "tiles"),
        ({"overlap": 0.7}, "overlap"),
        ({"thresholds": (1.5,)}, "thresholds"),
        ({"detector_threshold": 0.3, "thresholds": (0.1, 0.2)}, "detector_threshold"),
        ({"smoothing": "ema"}, "smoothing"),
        ({"smoothing_window": 0}, "smoothing_window"),
        ({"merge": "union"}, "merge"),
        ({"tile": "2x2"}, "tile"),
    ],
)
def test_invalid(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        CountingConfig(**kwargs)
