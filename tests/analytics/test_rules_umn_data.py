"""UMN crowd footage through detector, tracker and the default rules (needs the shared data).

Bars: an onset of running (a running, crowd_running or dispersal start) within 1.5 s after
each labelled onset, and no such event elsewhere in the normal footage (at most one per
ten minutes: the normal parts here are about a minute and a quarter).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from rules_helpers import run_rules_on_video

from vigil.config import AnalysisConfig, parse_yaml
from vigil.types import Event

pytestmark = pytest.mark.data

KINDS = ("running", "crowd_running", "dispersal")
CAPTION_ROWS = 31  # UMN burns its label into rows 0-30
INDOOR_FPS = 25.0
LAWN_FPS = 30.0


def _cfg(models_dir: Path) -> AnalysisConfig:
    return parse_yaml(f"camera: umn\ndetector:\n  model_dir: {models_dir}\n", AnalysisConfig)


def _starts(events: list[Event]) -> list[Event]:
    return [e for e in events if e.phase == "start" and e.kind in KINDS]


@pytest.fixture(scope="module")
def indoor(data_dir: Path, models_dir: Path) -> tuple[list[Event], list[int]]:
    folder = data_dir / "anomaly" / "umn"
    video = folder / "umn_part2_indoor.avi"
    if not video.is_file():
        pytest.skip(f"{video} not found")
    with (folder / "labels.csv").open(encoding="utf-8") as f:
        labels = [int(r["abnormal"]) for r in csv.DictReader(f)]
    return run_rules_on_video(video, _cfg(models_dir), mask_rows=CAPTION_ROWS), labels


def _onsets(labels: list[int]) -> list[int]:
    return [i for i in range(1, len(labels)) if labels[i] and not labels[i - 1]]


@pytest.mark.parametrize(
    "onset",
    [
        389,
        pytest.param(1113, marks=pytest.mark.xfail(strict=True, reason="the detector and tracker lose most runners")),
        pytest.param(1625, marks=pytest.mark.xfail(strict=True, reason="the detector and tracker lose most runners")),
    ],
)
def test_umn_indoor_running_found_at_each_onset(indoor: tuple[list[Event], list[int]], onset: int) -> None:
    events, labels = indoor
    assert onset in _onsets(labels)
    t0 = onset / INDOOR_FPS
    near = [e for e in _starts(events) if t0 - 0.5 <= e.t <= t0 + 1.5]
    assert near, f"no {'/'.join(KINDS)} start within 1.5 s of the onset at frame {onset}"


def test_umn_indoor_no_false_events_in_normal_footage(indoor: tuple[list[Event], list[int]]) -> None:
    events, labels = indoor
    onsets = [i / INDOOR_FPS for i in _onsets(labels)]
    false = [
        e for e in _starts(events)
        if labels[min(int(round(e.t * INDOOR_FPS)), len(labels) - 1)] == 0
        and not any(t0 - 0.5 <= e.t <= t0 + 1.5 for t0 in onsets)
    ]  # fmt: skip
    normal_minutes = labels.count(0) / INDOOR_FPS / 60.0
    assert len(false) <= normal_minutes / 10.0, [(round(e.t, 2), e.kind, e.track_ids) for e in false]


def test_umn_lawn_running_found_after_people_start(data_dir: Path, models_dir: Path) -> None:
    video = data_dir / "events" / "umn_lawn" / "umn_lawn_seq1.mp4"
    if not video.is_file():
        pytest.skip(f"{video} not found")
    starts = _starts(run_rules_on_video(video, _cfg(models_dir), mask_rows=CAPTION_ROWS))
    assert starts, "no running, crowd_running or dispersal event"
    first = min(e.t for e in starts) * LAWN_FPS
    assert 480 <= first <= 560, f"first event at frame {first:.0f}"
