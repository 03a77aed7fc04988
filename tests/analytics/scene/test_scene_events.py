"""UnusualActivityDetector: threshold, minimum duration, hysteresis, end delay, updates (table-driven)."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.analytics.scene import (
    SceneModel,
    SceneModelConfig,
    SceneScore,
    UnusualActivityConfig,
    UnusualActivityDetector,
)
from vigil.analytics.scene.calibrate import EventGate

STEP = 0.1


def _model(threshold: float = 3.0) -> SceneModel:
    return SceneModel(
        SceneModelConfig(width=160, cell=10), (160, 120), (320, 240), np.ones((12, 16), np.float32), np.zeros(3), np.ones(3),
        threshold, 1.0,
    )  # fmt: skip


def _run(scores: list[float], cfg: UnusualActivityConfig, threshold: float = 3.0) -> list[tuple[str, float, float | None]]:
    det = UnusualActivityDetector(_model(threshold), cfg, camera="cam")
    cells = np.zeros((12, 16), np.float32)
    cells[5, 3] = 9.0
    out = []
    for i, s in enumerate(scores):
        for e in det.update(SceneScore(s, cells, round(i * STEP, 6), np.zeros(3), True)):
            out.append((e.phase, e.t, e.started))
    for e in det.close(round(len(scores) * STEP, 6)):
        out.append((e.phase, e.t, e.started))
    return out


CFG = UnusualActivityConfig(hysteresis=1.0, min_duration=0.3, end_after=0.3, update_interval=100.0)


@pytest.mark.parametrize(
    ("name", "scores", "expected"),
    [
        ("never above", [0.0] * 20 + [2.9] * 10, []),
        ("too short", [0.0] * 5 + [4.0] * 3 + [0.0] * 10, []),
        ("starts after min duration, started when it rose",
         [0.0] * 5 + [4.0] * 10 + [0.0] * 10, [("start", 0.8, 0.5), ("end", 1.8, 0.5)]),
        ("dips inside the hysteresis band do not end it",
         [0.0] * 5 + [4.0] * 5 + [2.5] * 10 + [4.0] * 2 + [0.0] * 10, [("start", 0.8, 0.5), ("end", 2.5, 0.5)]),
        ("a short dip below the band does not end it",
         [0.0] * 5 + [4.0] * 5 + [1.0] * 2 + [4.0] * 5 + [0.0] * 10, [("start", 0.8, 0.5), ("end", 2.0, 0.5)]),
        ("still active at the end is closed", [4.0] * 10, [("start", 0.3, 0.0), ("end", 1.0, 0.0)]),
        ("exactly at the threshold counts", [3.0] * 4 + [0.0] * 6, [("start", 0.3, 0.0), ("end", 0.7, 0.0)]),
    ],
)
def test_event_phases(name: str, scores: list[float], expected: list[tuple[str, float, float]]) -> None:
    got = _run(scores, CFG)
    assert [(p, pytest.approx(t), pytest.approx(s)) for p, t, s in got] == expected, name


def test_updates_while_active_and_attributes() -> None:
    cfg = UnusualActivityConfig(hysteresis=1.0, min_duration=0.0, end_after=0.0, update_interval=0.5)
    det = UnusualActivityDetector(_model(), cfg, camera="cam")
    cells = np.zeros((12, 16), np.float32)
    cells[5, 3] = 9.0
    events = []
    for i, s in enumerate([4.0, 5.0, 6.0, 5.0, 4.0, 4.0, 4.0, 0.0]):
        events += det.update(SceneScore(s, cells, i * 0.25, np.zeros(3), True))
    assert [e.phase for e in events] == ["start", "update", "update", "update", "end"]
    start, end = events[0], events[-1]
    assert start.kind == "unusual_activity" and start.attributes["threshold"] == 3.0
    # cell (row 5, col 3) of 10 working px at 2x source scale
    assert start.attributes["region"] == [60.0, 100.0, 80.0, 120.0]
    assert end.attributes["peak"] == 6.0 and end.started == 0.0


def test_configured_threshold_overrides_the_model() -> None:
    cfg = UnusualActivityConfig(threshold=10.0, min_duration=0.0)
    assert _run([5.0] * 10, cfg) == []
    assert UnusualActivityDetector(_model(), cfg).threshold == 10.0


def test_gate_alone() -> None:
    g = EventGate(2.0, 0.5, 0.0, 0.0)
    phases = [g.update(t, s) for t, s in enumerate([1.0, 2.0, 1.6, 1.4, 2.1])]
    assert phases == [None, "start", None, "end", "start"]
