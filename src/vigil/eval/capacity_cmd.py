"""CLI glue for `vigil bench cameras`: how many looping demo cameras hold 5 analysed frames/s.

    vigil bench cameras --cameras 8 --duration 600          # one trial, 8 cameras, 10 minutes
    vigil bench cameras --search --trial-duration 30        # ramp N with short trials
    vigil bench cameras --search --gating off --json out.json
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from vigil._argtypes import count as _count
from vigil._argtypes import positive as _positive
from vigil.config.loader import load_yaml
from vigil.config.service import CameraConfig, ServiceConfig
from vigil.demo import demo_config_path
from vigil.errors import ConfigError, OutputError
from vigil.eval.capacity import (
    TARGET_FPS,
    SearchResult,
    TrialResult,
    TrialSettings,
    camera_copies,
    gating_modes,
    run_trial,
    search,
)
from vigil.sources import parse_spec

log = logging.getLogger(__name__)


def _threads(text: str) -> int:
    try:
        v = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from e
    if not 0 <= v <= 64:
        raise argparse.ArgumentTypeError(f"expected 0-64 threads, got {text!r}")
    return v


def add_capacity_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `vigil bench cameras` (the caller makes the sub-parser)."""
    p.add_argument("--cameras", type=_count, default=4, help="cameras in a single trial (default 4; ignored with --search)")
    p.add_argument("--search", action="store_true",
                   help="ramp the number of cameras (double, then bisect) to find the largest that holds its rate")
    p.add_argument("--start", type=_count, default=2, help="--search: first number of cameras tried (default 2)")
    p.add_argument("--max-cameras", type=_count, default=32, help="--search: the most cameras tried (default 32)")
    p.add_argument("--duration", type=_positive, default=60.0,
                   help="seconds measured in a single trial (default 60; the bar's confirmation is 600)")
    p.add_argument("--trial-duration", type=_positive, default=30.0, help="--search: seconds measured per trial (default 30)")
    p.add_argument("--warmup", type=_positive, default=10.0,
                   help="seconds after every camera is online before measuring (default 10)")
    p.add_argument("--sample-interval", type=_positive, default=2.0, help="seconds between health samples (default 2)")
    p.add_argument("--gating", choices=["on", "off", "both"], default="both",
                   help="motion gating of the cameras: on, off, or both one after the other (default)")
    p.add_argument("--fps", type=_positive, default=TARGET_FPS, help=f"analysed frames/s per camera (default {TARGET_FPS:g})")
    p.add_argument("--max-lag", type=_positive, default=1.5,
                   help="seconds of capture-to-analysis lag a camera may reach and still hold (default 1.5)")
    p.add_argument("--config", type=Path, default=None,
                   help="serve config whose first camera is copied (default: the packaged demo config)")
    p.add_argument("--video", default=None, help="the looping video (default: the camera's source, demo:vtest)")
    p.add_argument("--model-dir", type=Path, default=None, help="folder holding the detector model (else VIGIL_MODELS/cache)")
    p.add_argument("--threads", type=_threads, default=1,
                   help="ONNX Runtime threads per camera (default 1: one process per camera already spreads the load)")
    p.add_argument("--no-recording", action="store_true",
                   help="workers record nothing (default: as under vigil serve, pre-roll, clips and snapshots go to "
                        "a temporary folder when the camera's recording is on)")
    p.add_argument("--json", type=Path, default=None, help="write every trial as JSON here")


def template_camera(args: argparse.Namespace) -> CameraConfig:
    """The camera every trial copies: from --config (first camera) with --video, --model-dir and
    --threads applied; its source resolved once here (a demo video is fetched before any worker starts)."""
    path = args.config or demo_config_path()
    cfg = load_yaml(path, ServiceConfig)
    cam = cfg.cameras[0]
    source = args.video or cam.source
    spec = parse_spec(source)
    if spec.kind not in ("file", "folder"):
        raise ConfigError(f"{path}: camera {cam.camera}: source {spec.display} is not a file or folder to loop")
    if not Path(spec.target).exists():
        raise ConfigError(f"{path}: camera {cam.camera}: source {spec.display}: {spec.target} does not exist")
    detector = cam.detector.model_copy(
        update={"threads": args.threads, **({"model_dir": args.model_dir} if args.model_dir else {})}
    )
    return cam.model_copy(update={"source": spec.target, "detector": detector})


def _trial_row(t: TrialResult) -> str:
    v = t.verdicts
    lags = [x.lag_max for x in v if x.lag_max is not None]
    return (
        f"  {t.cameras:>7}  {'on' if t.motion_gating else 'off':>6}  {t.held_count:>3}/{t.cameras:<3}  "
        f"{min(x.analysis_fps for x in v):>7.2f}  {sum(x.analysis_fps for x in v) / len(v):>8.2f}  "
        f"{sum(x.detect_fps for x in v) / len(v):>9.2f}  {max(lags) if lags else float('nan'):>7.2f}  "
        f"{_num(t.cpu_ms_per_frame, 1):>8}  {_num(t.projected_cameras(2.0), 1):>10}  {t.load_before:>5.2f}  "
        f"{'HELD' if t.held else 'failed'}"
    )


_HEADER = "  cameras  gating     held  min fps  mean fps  detect fps  max lag  cpu ms/f  2-core est  load   verdict"


def _num(v: float | None, digits: int) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def _print_trial_detail(t: TrialResult) -> None:
    print(f"  {'camera':<8} {'fps':>6} {'min':>6} {'detect':>7} {'gated':>6} {'lag p95':>8} {'lag max':>8}  verdict")
    for v in t.verdicts:
        p95 = f"{v.lag_p95:.2f}" if v.lag_p95 is not None else "-"
        mx = f"{v.lag_max:.2f}" if v.lag_max is not None else "-"
        print(f"  {v.camera:<8} {v.analysis_fps:>6.2f} {v.min_fps:>6.2f} {v.detect_fps:>7.2f} {v.gated_fraction:>6.0%} "
              f"{p95:>8} {mx:>8}  {'held' if v.held else v.why}")  # fmt: skip


def run_bench_cameras_command(args: argparse.Namespace) -> int:
    """`vigil bench cameras`: one trial, or a --search per gating setting; prints a table, writes --json."""
    if args.search and args.start > args.max_cameras:
        raise ConfigError(f"--start ({args.start}) must not exceed --max-cameras ({args.max_cameras})")
    template = template_camera(args)
    duration = args.trial_duration if args.search else args.duration
    settings = TrialSettings(duration=duration, warmup=args.warmup, sample_interval=args.sample_interval,
                             max_lag=args.max_lag)  # fmt: skip
    print(f"Camera capacity: {Path(template.source).name} looping at {args.fps:g} analysed frames/s per camera, "
          f"{duration:g} s windows; a camera holds when its mean rate >= {settings.hold_ratio:.0%} of that, "
          f"lag <= {settings.max_lag:g} s, online, no restarts; recording "
          f"{'off' if args.no_recording or not template.recording.enabled else 'on'}")  # fmt: skip
    out: dict[str, Any] = {"video": template.source, "target_fps": args.fps, "settings": vars_json(settings),
                           "recording": not args.no_recording and template.recording.enabled}  # fmt: skip
    if args.search:
        searches: list[SearchResult] = []
        print(_HEADER)
        for gating in gating_modes(args.gating):
            result = search(template, settings, motion_gating=gating, start=args.start, limit=args.max_cameras,
                            target_fps=args.fps, record=not args.no_recording,
                            on_trial=lambda t: print(_trial_row(t), flush=True))  # fmt: skip
            searches.append(result)
        for s in searches:
            print(f"Largest number of cameras that held: {s.best} (motion gating {'on' if s.motion_gating else 'off'})")
        out["searches"] = [s.to_json() for s in searches]
    else:
        trials: list[TrialResult] = []
        for gating in gating_modes(args.gating):
            cams = camera_copies(template, args.cameras, motion_gating=gating, fps=args.fps)
            t = run_trial(cams, settings, target_fps=args.fps, record=not args.no_recording)
            trials.append(t)
            print(_HEADER)
            print(_trial_row(t))
            _print_trial_detail(t)
        out["trials"] = [t.to_json() for t in trials]
    if args.json:
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"{args.json}: cannot write the results: {e}") from e
    return 0


def vars_json(settings: TrialSettings) -> dict[str, float]:
    return {k: getattr(settings, k) for k in TrialSettings.__dataclass_fields__}
