"""Detection masks: polygons of the frame the detector never sees.

A mask's pixels are filled with grey before detection, so nothing inside it is
detected: a TV screen, a road outside the premises, a burned-in caption or clock.
Points are normalised image coordinates like zones (x = column / width, y = row /
height, in [0, 1], origin top-left); pixels on the polygon's edge are masked too.

    masks:
      - name: caption
        points: [[0, 0], [0.55, 0], [0.55, 0.125], [0, 0.125]]
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from vigil.config.analytics import Name, polygon_problem
from vigil.config.base import StrictModel


def _in_frame(point: tuple[float, float]) -> tuple[float, float]:
    for axis, v in zip("xy", point, strict=True):
        if not 0.0 <= v <= 1.0:  # also rejects NaN
            raise ValueError(
                f"{axis}={v} is outside [0, 1] (points are normalised image coordinates: "
                "x = column / width, y = row / height)"
            )
    return point


MaskPoint = Annotated[tuple[float, float], AfterValidator(_in_frame)]


class MaskConfig(StrictModel):
    """A polygon whose pixels are filled before the detector sees the frame."""

    name: Name | None = Field(None, description="Shown in the annotated video; default 'mask N'.")
    points: tuple[MaskPoint, ...] = Field(
        min_length=3,
        max_length=100,
        description="Polygon vertices [x, y] in normalised image coordinates (0-1), in order around the area.",
    )

    @field_validator("points")
    @classmethod
    def _simple(cls, v: tuple[MaskPoint, ...]) -> tuple[MaskPoint, ...]:
        problem = polygon_problem(v)
        if problem:
            raise ValueError(problem)
        return v
