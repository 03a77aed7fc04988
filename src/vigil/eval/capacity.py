"""Camera capacity: how many looping demo cameras one machine analyses at their full rate.

``run_trial`` starts N copies of a camera (by default the packaged demo camera: vtest.avi
looping at 5 analysed frames/s) through the real :class:`~vigil.service.supervisor.Supervisor`,
one worker process each, waits until every camera is online, lets them settle, then samples
``Supervisor.health()`` every few seconds for the trial's duration. A camera *held its rate*
when, over that window,

- its mean sampled analysis rate is at least ``hold_ratio`` (0.95) of the target,
- its lag (capture to end of analysis) never exceeded ``max_lag`` seconds,
- it stayed online and its worker never restarted.

A paced file camera that falls behind drops frames (as a live camera would) rather than
lagging without bound, so an overloaded machine shows as a lower analysis rate.

The trial also reads each worker's CPU time at the start and end of the window (Linux
``/proc``): CPU milliseconds per analysed frame is steadier than the held count on a
busy machine, and gives how many cameras a number of idle cores could carry at that cost.

``search`` ramps N (doubling from ``start``, then bisecting between the last N that held
and the first that did not) with short trials, for each motion-gating setting asked for.
Confirm the answer with one long trial (``--duration 600``) at that N.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from vigil.config.service import CameraConfig
from vigil.service.health import CameraHealth
from vigil.service.supervisor import Supervisor, SupervisorSettings

log = logging.getLogger(__name__)

TARGET_FPS = 5.0


@dataclass(frozen=True, slots=True)
class TrialSettings:
    """How one trial runs and is judged. Times in seconds.

    duration: measured window. warmup: seconds after all cameras are online before the
    window opens. start_timeout: the longest wait for every camera to come online (the
    window opens anyway; late cameras fail). sample_interval: seconds between health
    samples. hold_ratio: share of the target rate a camera must keep on average.
    max_lag: the most capture-to-analysis lag a camera may show in any sample.
    """

    duration: float = 60.0
    warmup: float = 10.0
    start_timeout: float = 120.0
    sample_interval: float = 2.0
    hold_ratio: float = 0.95
    max_lag: float = 1.5

    def __post_init__(self) -> None:
        for name in ("duration", "start_timeout", "sample_interval", "max_lag"):
            if not getattr(self, name) > 0:
                raise ValueError(f"capacity {name} must be > 0 seconds, got {getattr(self, name)}")
        if self.warmup < 0:
            raise ValueError(f"capacity warmup must be >= 0 seconds, got {self.warmup}")
        if not 0 < self.hold_ratio <= 1:
            raise ValueError(f"capacity hold_ratio must be in (0, 1], got {self.hold_ratio}")


@dataclass(frozen=True, slots=True)
class CameraVerdict:
    """One camera over a trial's window.

    analysis_fps: mean of the sampled analysis rates; min_fps: the lowest sample.
    detect_fps: mean rate of frames the detector ran on (the rest were motion-gated).
    lag_p95 / lag_max: over the samples, seconds (None: never reported). restarts: worker
    restarts during the window. online: share of samples in which it was online.
    why: the first reason it did not hold its rate, or None when it held.
    """

    camera: str
    held: bool
    analysis_fps: float
    min_fps: float
    detect_fps: float
    gated_fraction: float
    lag_p95: float | None
    lag_max: float | None
    restarts: int
    online: float
    samples: int
    why: str | None


@dataclass(frozen=True, slots=True)
class TrialResult:
    """N cameras for one window; ``held`` when every camera held its rate.

    started_in: seconds until every camera was online. load_before: 1-minute load average
    when the trial began (other work on the machine). worker_cpu_seconds: CPU of the
    reaped workers over the whole trial, start-up included. events: behaviour events
    received. window_cpu_seconds: workers' CPU over the window only (None where /proc is
    unreadable); window_frames: frames they analysed in it (mean rate x window).
    recording: the workers recorded (pre-roll buffer, event clips, snapshots) as under
    `vigil serve`, into a temporary folder.
    """

    cameras: int
    motion_gating: bool
    target_fps: float
    duration: float
    started_in: float
    load_before: float
    worker_cpu_seconds: float
    events: int
    verdicts: tuple[CameraVerdict, ...]
    window_cpu_seconds: float | None = None
    window_frames: float = 0.0
    recording: bool = False

    @property
    def cpu_ms_per_frame(self) -> float | None:
        """Worker CPU per analysed frame over the window (decoding, gate, detector, tracker, rules)."""
        if self.window_cpu_seconds is None or self.window_frames <= 0:
            return None
        return 1000.0 * self.window_cpu_seconds / self.window_frames

    def projected_cameras(self, cores: float) -> float | None:
        """How many cameras at the target rate ``cores`` idle cores could carry at this CPU cost per frame."""
        ms = self.cpu_ms_per_frame
        return None if ms is None else cores / (ms / 1000.0 * self.target_fps)

    @property
    def held(self) -> bool:
        return bool(self.verdicts) and all(v.held for v in self.verdicts)

    @property
    def held_count(self) -> int:
        return sum(v.held for v in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["held"] = self.held
        d["held_count"] = self.held_count
        d["cpu_ms_per_frame"] = self.cpu_ms_per_frame
        d["projected_cameras_2_cores"] = self.projected_cameras(2.0)
        return d


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The trials of one ramp and the largest N that held (0 when none did)."""

    motion_gating: bool
    best: int
    trials: tuple[TrialResult, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"motion_gating": self.motion_gating, "best": self.best, "trials": [t.to_json() for t in self.trials]}


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def judge(camera: str, samples: Sequence[CameraHealth], target_fps: float, settings: TrialSettings) -> CameraVerdict:
    """Whether ``camera`` held ``target_fps`` over ``samples`` (its health, oldest first)."""
    if not samples:
        return CameraVerdict(camera, False, 0.0, 0.0, 0.0, 0.0, None, None, 0, 0.0, 0, "no health samples")
    fps = [s.analysis_fps for s in samples]
    mean_fps = sum(fps) / len(fps)
    lags = [s.lag for s in samples if s.lag is not None]
    restarts = samples[-1].restarts - samples[0].restarts
    online = sum(s.online for s in samples) / len(samples)
    lag_max = max(lags) if lags else None
    why: str | None = None
    if online < 1.0:
        offline = next(s for s in samples if not s.online)
        why = f"not online in {100 * (1 - online):.0f}% of samples (state {offline.state})"
        if offline.last_error:
            why += f": {offline.last_error}"
    elif restarts:
        why = f"worker restarted {restarts} time(s): {samples[-1].last_error}"
    elif mean_fps < settings.hold_ratio * target_fps:
        why = f"analysed {mean_fps:.2f} frames/s, below {settings.hold_ratio:.0%} of {target_fps:g}"
    elif lag_max is None:
        why = "reported no lag (no frame analysed)"
    elif lag_max > settings.max_lag:
        why = f"lag reached {lag_max:.2f} s (limit {settings.max_lag:g} s)"
    return CameraVerdict(
        camera=camera,
        held=why is None,
        analysis_fps=mean_fps,
        min_fps=min(fps),
        detect_fps=sum(s.detect_fps for s in samples) / len(samples),
        gated_fraction=samples[-1].gated_fraction,
        lag_p95=_p95(lags) if lags else None,
        lag_max=lag_max,
        restarts=restarts,
        online=online,
        samples=len(samples),
        why=why,
    )


def camera_copies(template: CameraConfig, n: int, *, motion_gating: bool, fps: float = TARGET_FPS) -> list[CameraConfig]:
    """``n`` looping copies of ``template`` named cam01, cam02, ... at ``fps``."""
    if n < 1:
        raise ValueError(f"capacity needs at least 1 camera, got {n}")
    width = max(2, len(str(n)))
    common = {"loop": True, "fps": fps, "motion_gating": motion_gating, "enabled": True}
    return [template.model_copy(update={"camera": f"cam{i:0{width}d}", **common}) for i in range(1, n + 1)]


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a running process (Linux /proc), or None when unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": state is field 3
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime: fields 14 and 15


def _workers_cpu(pids: dict[str, int | None]) -> dict[str, tuple[int, float]]:
    out: dict[str, tuple[int, float]] = {}
    for name, pid in pids.items():
        cpu = _process_cpu(pid) if pid is not None else None
        if pid is not None and cpu is not None:
            out[name] = (pid, cpu)
    return out


def _window_cpu(
    before: dict[str, tuple[int, float]], after: dict[str, tuple[int, float]]
) -> tuple[float | None, set[str]]:
    """CPU seconds the workers used between two readings, and whose (a camera whose worker changed is left out)."""
    same = {name for name in before if name in after and after[name][0] == before[name][0]}
    if not same:
        return None, same
    return sum(after[n][1] - before[n][1] for n in same), same


def run_trial(
    cameras: Sequence[CameraConfig],
    settings: TrialSettings,
    *,
    target_fps: float = TARGET_FPS,
    supervisor: SupervisorSettings | None = None,
    record: bool = False,
    stop: threading.Event | None = None,
) -> TrialResult:
    """Run ``cameras`` under a Supervisor, sample their health over the window, judge each one.

    record: give the workers a data directory (a temporary folder, deleted afterwards), so
    that cameras with ``recording.enabled`` buffer pre-roll and write clips and snapshots
    as they do under `vigil serve`. stop: set it to end the trial early (the cameras are
    judged on what was sampled).
    """
    with ExitStack() as stack:
        sup_settings = supervisor or SupervisorSettings()
        if record:
            media = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vigil-capacity-")))
            sup_settings = replace(sup_settings, worker=replace(sup_settings.worker, data_dir=media))
        result = _trial(cameras, settings, target_fps, sup_settings, stop or threading.Event())
    return replace(result, recording=record and any(c.recording.enabled for c in cameras))


def _trial(
    cameras: Sequence[CameraConfig],
    settings: TrialSettings,
    target_fps: float,
    supervisor: SupervisorSettings,
    halt: threading.Event,
) -> TrialResult:
    events: Counter[str] = Counter()
    names = [c.camera for c in cameras]
    gating = all(c.motion_gating for c in cameras)
    load_before = os.getloadavg()[0]
    cpu_before = _children_cpu()
    samples: dict[str, list[CameraHealth]] = {n: [] for n in names}
    log.info("capacity: %d camera(s), motion gating %s, %g s window", len(names), "on" if gating else "off",
             settings.duration)  # fmt: skip
    t0 = time.monotonic()
    with Supervisor(cameras, on_event=lambda e: events.update((e.camera,)), settings=supervisor) as sup:
        while not halt.is_set():
            health = sup.health()
            if all(h.online for h in health.values()) and len(health) == len(names):
                break
            if time.monotonic() - t0 > settings.start_timeout:
                late = sorted(n for n, h in health.items() if not h.online)
                log.warning("capacity: %d camera(s) not online after %g s: %s", len(late), settings.start_timeout,
                            ", ".join(late))  # fmt: skip
                break
            halt.wait(0.2)
        started_in = time.monotonic() - t0
        log.info("capacity: cameras online after %.1f s; settling %g s", started_in, settings.warmup)
        halt.wait(settings.warmup)
        cpu_start = _workers_cpu(sup.pids())
        window_start = time.monotonic()
        end = window_start + settings.duration
        while not halt.is_set():
            now = time.monotonic()
            if now >= end:
                break
            halt.wait(min(settings.sample_interval, end - now))
            health = sup.health()
            for name in names:
                if name in health:
                    samples[name].append(health[name])
        cpu_end = _workers_cpu(sup.pids())
        window = time.monotonic() - window_start
    window_cpu, measured = _window_cpu(cpu_start, cpu_end)
    verdicts = tuple(judge(n, samples[n], target_fps, settings) for n in names)
    result = TrialResult(
        cameras=len(names),
        motion_gating=gating,
        target_fps=target_fps,
        duration=settings.duration,
        started_in=started_in,
        load_before=load_before,
        worker_cpu_seconds=_children_cpu() - cpu_before,
        events=sum(events.values()),
        verdicts=verdicts,
        window_cpu_seconds=window_cpu,
        window_frames=sum(v.analysis_fps for v in verdicts if v.camera in measured) * window,
    )
    log.info("capacity: %d camera(s): %d held their rate; %s ms of worker CPU per analysed frame",
             result.cameras, result.held_count, f"{result.cpu_ms_per_frame:.1f}" if result.cpu_ms_per_frame else "?")  # fmt: skip
    return result


def ramp(held: Callable[[int], bool], start: int, limit: int) -> int:
    """The largest n in [1, limit] for which ``held(n)`` is true, assuming it holds up to some n and
    fails beyond: double from ``start`` until a failure (or ``limit``), then bisect. 0 if none held."""
    if not 1 <= start <= limit:
        raise ValueError(f"capacity search start ({start}) must be between 1 and the limit ({limit})")
    lo, hi = 0, limit + 1  # held(lo) is known true (0: trivially), held(hi) known false
    n = start
    while True:
        if not held(n):
            hi = n
            break
        lo = n
        if n >= limit:
            return lo
        n = min(limit, 2 * n)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if held(mid):
            lo = mid
        else:
            hi = mid
    return lo


def search(
    template: CameraConfig,
    settings: TrialSettings,
    *,
    motion_gating: bool,
    start: int = 2,
    limit: int = 32,
    target_fps: float = TARGET_FPS,
    supervisor: SupervisorSettings | None = None,
    record: bool = False,
    on_trial: Callable[[TrialResult], None] | None = None,
) -> SearchResult:
    """Ramp the number of cameras (see :func:`ramp`) with trials of ``settings`` (``record``: see run_trial)."""
    trials: list[TrialResult] = []

    def held(n: int) -> bool:
        cams = camera_copies(template, n, motion_gating=motion_gating, fps=target_fps)
        result = run_trial(cams, settings, target_fps=target_fps, supervisor=supervisor, record=record)
        trials.append(result)
        if on_trial is not None:
            on_trial(result)
        return result.held

    best = ramp(held, start, limit)
    return SearchResult(motion_gating, best, tuple(trials))


def gating_modes(choice: str) -> Iterable[bool]:
    """``on`` / ``off`` / ``both`` as the motion-gating settings to run (gating on first)."""
    modes = {"on": (True,), "off": (False,), "both": (True, False)}
    if choice not in modes:
        raise ValueError(f"motion gating must be on, off or both, got {choice!r}")
    return modes[choice]
