"""Camera capacity: the verdict per camera, the ramp, and short real trials through the Supervisor.

The real trials need the shared data (vtest.avi and YOLOX-Nano) and skip without it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from vigil.config.service import CameraConfig
from vigil.eval.capacity import (
    CameraVerdict,
    TrialSettings,
    camera_copies,
    gating_modes,
    judge,
    ramp,
    run_trial,
)
from vigil.eval.capacity_cmd import add_capacity_arguments, run_bench_cameras_command
from vigil.service.health import CameraHealth, State

SETTINGS = TrialSettings(duration=10.0, warmup=0.0, sample_interval=2.0, hold_ratio=0.95, max_lag=1.5)


def _health(fps: float, lag: float | None = 0.1, state: State = "online", restarts: int = 0,
            error: str | None = None) -> CameraHealth:  # fmt: skip
    return CameraHealth("cam01", state, 123, 10.0, fps, fps, 0.0, lag, 1.0, restarts, error)


@pytest.mark.parametrize(
    ("samples", "why"),
    [
        ([_health(5.0), _health(4.9), _health(4.8)], None),
        ([_health(5.0), _health(4.6), _health(5.0)], None),  # a dip, but the mean 4.87 holds 95%
        ([_health(5.0), _health(4.0), _health(5.0)], "analysed 4.67 frames/s, below 95% of 5"),
        ([_health(5.0), _health(5.0, lag=1.6), _health(5.0)], "lag reached 1.60 s (limit 1.5 s)"),
        ([_health(5.0), _health(0.0, lag=None, state="restarting", error="worker killed by signal 9")],
         "not online in 50% of samples (state restarting): worker killed by signal 9"),
        ([_health(5.0), _health(5.0, restarts=1, error="no heartbeat for 10.1 s")],
         "worker restarted 1 time(s): no heartbeat for 10.1 s"),
        ([_health(5.0, lag=None), _health(5.0, lag=None)], "reported no lag (no frame analysed)"),
        ([], "no health samples"),
    ],
)
def test_judge(samples: list[CameraHealth], why: str | None) -> None:
    v = judge("cam01", samples, 5.0, SETTINGS)
    assert v.why == why
    assert v.held is (why is None)
    assert v.samples == len(samples)


def test_judge_reports_rates_and_lags() -> None:
    samples = [_health(5.0, lag=0.1), _health(4.8, lag=0.3), _health(5.2, lag=0.2)]
    v = judge("cam01", samples, 5.0, SETTINGS)
    assert v == CameraVerdict("cam01", True, pytest.approx(5.0), 4.8, pytest.approx(5.0), 0.0, 0.3, 0.3, 0, 1.0, 3,
                              None)  # fmt: skip


def _probe(limit: int) -> tuple[Callable[[int], bool], list[int]]:
    tried: list[int] = []

    def held(n: int) -> bool:
        tried.append(n)
        return n <= limit

    return held, tried


@pytest.mark.parametrize(
    ("capacity", "start", "limit", "best", "tried"),
    [
        (7, 2, 32, 7, [2, 4, 8, 6, 7]),
        (16, 2, 32, 16, [2, 4, 8, 16, 32, 24, 20, 18, 17]),
        (40, 2, 32, 32, [2, 4, 8, 16, 32]),
        (1, 4, 32, 1, [4, 2, 1]),
        (0, 2, 32, 0, [2, 1]),
        (5, 5, 5, 5, [5]),
    ],
)
def test_ramp_doubles_then_bisects(capacity: int, start: int, limit: int, best: int, tried: list[int]) -> None:
    held, seen = _probe(capacity)
    assert ramp(held, start, limit) == best
    assert seen == tried


def test_ramp_rejects_a_start_beyond_the_limit() -> None:
    with pytest.raises(ValueError, match=r"start \(9\) must be between 1 and the limit \(8\)"):
        ramp(lambda n: True, 9, 8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration": 0.0}, "duration must be > 0"),
        ({"warmup": -1.0}, "warmup must be >= 0"),
        ({"hold_ratio": 1.5}, r"hold_ratio must be in \(0, 1\]"),
        ({"max_lag": 0.0}, "max_lag must be > 0"),
    ],
)
def test_trial_settings_are_checked(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrialSettings(**kwargs)


def test_camera_copies_and_gating_modes() -> None:
    template = CameraConfig(camera="demo", source="x.avi", fps=2.0)
    cams = camera_copies(template, 3, motion_gating=False)
    assert [c.camera for c in cams] == ["cam01", "cam02", "cam03"]
    assert all(c.loop and c.fps == 5.0 and not c.motion_gating and c.source == "x.avi" for c in cams)
    assert [c.camera for c in camera_copies(template, 100, motion_gating=True)][-1] == "cam100"
    with pytest.raises(ValueError, match="at least 1 camera"):
        camera_copies(template, 0, motion_gating=True)
    assert list(gating_modes("both")) == [True, False]
    with pytest.raises(ValueError, match="on, off or both"):
        gating_modes("maybe")


@pytest.fixture
def vtest(data_dir: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    video = data_dir / "videos" / "vtest.avi"
    if not video.is_file():
        pytest.skip(f"{video} not found")
    monkeypatch.setenv("VIGIL_MODELS", str(models_dir))  # the workers inherit it
    monkeypatch.setenv("VIGIL_DEMO_VIDEO", str(video))
    return video


def test_a_short_trial_tells_a_camera_that_holds_from_one_that_does_not(vtest: Path) -> None:
    # Low rates and loose limits, so that a busy CI machine still carries the camera that should hold.
    fast = CameraConfig(camera="fast", source=str(vtest), loop=True, fps=2.0, rules=())
    slow = fast.model_copy(update={"camera": "slow", "fps": 0.5})  # analyses a quarter of the rate asked for
    settings = TrialSettings(duration=4.0, warmup=1.0, sample_interval=1.0, hold_ratio=0.75, max_lag=5.0)
    result = run_trial([fast, slow], settings, target_fps=2.0)
    assert result.cameras == 2 and result.started_in > 0
    by = {v.camera: v for v in result.verdicts}
    assert by["fast"].held, by["fast"].why
    assert by["fast"].analysis_fps == pytest.approx(2.0, abs=0.5)
    assert by["fast"].lag_max is not None
    assert not by["slow"].held
    assert by["slow"].why is not None and "below 75% of 2" in by["slow"].why
    assert by["slow"].analysis_fps < 1.0
    assert not result.held and result.held_count == 1
    assert not result.recording
    assert result.worker_cpu_seconds > 0
    # CPU of both workers over the window, per analysed frame: a YOLOX-Nano frame costs milliseconds
    assert result.window_cpu_seconds is not None and result.window_cpu_seconds > 0
    assert result.window_frames == pytest.approx(4.0 * (by["fast"].analysis_fps + by["slow"].analysis_fps), rel=0.3)
    ms = result.cpu_ms_per_frame
    assert ms is not None and 1.0 < ms < 2000.0
    assert result.projected_cameras(2.0) == pytest.approx(2.0 / (ms / 1000.0 * 2.0))


def test_the_command_runs_one_trial_and_writes_json(
    vtest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = argparse.ArgumentParser()
    add_capacity_arguments(p)
    out = tmp_path / "capacity.json"
    args = p.parse_args(["--cameras", "1", "--fps", "2", "--duration", "3", "--warmup", "1", "--sample-interval", "1",
                         "--gating", "off", "--json", str(out)])  # fmt: skip
    assert run_bench_cameras_command(args) == 0
    printed = capsys.readouterr().out
    assert "vtest.avi looping at 2 analysed frames/s" in printed
    assert "cam01" in printed  # the per-camera table (whether it held depends on the machine's load)
    data = json.loads(out.read_text())
    (trial,) = data["trials"]
    assert trial["cameras"] == 1 and trial["motion_gating"] is False and trial["target_fps"] == 2.0
    (verdict,) = trial["verdicts"]
    assert verdict["camera"] == "cam01" and verdict["samples"] >= 2 and verdict["analysis_fps"] > 0
    assert trial["held"] is verdict["held"]
    assert trial["cpu_ms_per_frame"] > 0 and trial["projected_cameras_2_cores"] > 0
    assert data["recording"] is True and trial["recording"] is True  # the demo camera records, as under serve
    assert data["video"] == str(vtest.resolve())
