"""The configured scene geometry the outputs draw: zones, lines and detection masks.

Points are normalised image coordinates (x = column / width, y = row / height), as in
the config. The video and the report give each zone and line the same colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.config.models import AnalysisConfig

Point = tuple[float, float]

ZONE_COLOURS_HEX: tuple[str, ...] = (
    "#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#14b8a6", "#ec4899", "#0ea5e9", "#84cc16",
)  # fmt: skip
"""Zone colours; red is kept for alerts."""
LINE_COLOURS_HEX: tuple[str, ...] = ("#facc15", "#22d3ee", "#f472b6", "#a3e635", "#fb923c", "#e879f9")


def hex_to_bgr(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` -> OpenCV (b, g, r)."""
    v = colour.lstrip("#")
    return int(v[4:6], 16), int(v[2:4], 16), int(v[0:2], 16)


def zone_colour(index: int) -> str:
    return ZONE_COLOURS_HEX[index % len(ZONE_COLOURS_HEX)]


def line_colour(index: int) -> str:
    return LINE_COLOURS_HEX[index % len(LINE_COLOURS_HEX)]


@dataclass(frozen=True, slots=True)
class Shape:
    """A named polygon (zones, masks) or directed segment a -> b (lines), in normalised points."""

    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class SceneGeometry:
    """Zones, lines and masks of one camera, and which lines a line_crossing rule counts."""

    zones: tuple[Shape, ...] = ()
    lines: tuple[Shape, ...] = ()
    masks: tuple[Shape, ...] = ()
    counted_lines: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, cfg: AnalysisConfig) -> SceneGeometry:
        from vigil.config.analytics import LineCrossingRule

        counted = frozenset(r.line for r in cfg.rules if r.enabled and isinstance(r, LineCrossingRule))
        return cls(
            zones=tuple(Shape(z.name, tuple(z.points)) for z in cfg.zones),
            lines=tuple(Shape(ln.name, tuple(ln.points)) for ln in cfg.lines),
            masks=tuple(Shape(m.name or f"mask {i + 1}", tuple(m.points)) for i, m in enumerate(cfg.masks)),
            counted_lines=counted,
        )

    def __bool__(self) -> bool:
        return bool(self.zones or self.lines or self.masks)
