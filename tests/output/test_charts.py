from __future__ import annotations

import re

import numpy as np
import pytest

from vigil.output._timefmt import clock, duration
from vigil.output.charts import histogram_svg, people_chart_svg


def _mean_subpaths(svg: str) -> int:
    (d,) = re.findall(r'<path class="mean" d="([^"]*)"', svg)
    return d.count("M")


@pytest.mark.parametrize(
    ("max_gap", "subpaths"),
    [
        (0.0, 2),  # one empty bin (0.1 s) breaks the line when no gap is allowed
        (0.2, 1),  # bins finer than the frame interval: bridged
    ],
)
def test_people_chart_bridges_small_gaps_only(max_gap: float, subpaths: int) -> None:
    starts = np.arange(5) * 0.1
    means = np.array([1.0, 2.0, np.nan, 2.0, 1.0])
    svg = people_chart_svg(starts, 0.1, means, means, max_gap=max_gap)
    assert _mean_subpaths(svg) == subpaths
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_people_chart_axis_has_whole_people_and_clock_labels() -> None:
    starts = np.arange(120) * 1.0
    svg = people_chart_svg(starts, 1.0, np.zeros(120), np.zeros(120))  # nobody at all
    labels = re.findall(r'text-anchor="end">([^<]*)<', svg)
    assert labels == ["0", "1"]
    assert ">0:00<" in svg and ">1:00<" in svg and ">2:00<" in svg


def test_histogram_escapes_and_labels() -> None:
    svg = histogram_svg(np.array([0.0, 1.0, 5.0]), np.array([2, 0, 1]), unit="<s>")
    assert "0-1" in svg and "1-5" in svg and "\u22655" in svg and "&lt;s&gt;" in svg and "<s>" not in svg
    assert "No finished tracks." in histogram_svg(np.array([0.0, 1.0]), np.array([0, 0]))


@pytest.mark.parametrize(
    ("seconds", "decimals", "text"),
    [(0.0, 1, "0:00.0"), (83.44, 1, "1:23.4"), (59.96, 1, "1:00.0"), (3723.0, 0, "1:02:03"), (-1.5, 1, "-0:01.5")],
)
def test_clock(seconds: float, decimals: int, text: str) -> None:
    assert clock(seconds, decimals) == text


@pytest.mark.parametrize(("seconds", "text"), [(4.24, "4.2 s"), (185.0, "3 min 05 s"), (3720.0, "1 h 02 min")])
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text
