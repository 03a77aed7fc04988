"""CLI glue for `vigil bench latency`: frame capture to MQTT message, through the whole service.

    vigil bench latency --duration 300 --json latency.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vigil.errors import OutputError
from vigil.eval.datadir import find_data_dir
from vigil.eval.latency import run_latency_benchmark


def add_latency_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--video", type=Path, default=None, help="video played as the live camera (default: shared vtest.avi)")
    p.add_argument("--duration", type=float, default=120.0, help="seconds measured (default 120)")
    p.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring (default 10)")
    p.add_argument("--fps", type=float, default=5.0, help="analysed frames per second (default 5)")
    p.add_argument("--model", default="yolox-nano", help="detector model name or .onnx path (default yolox-nano)")
    p.add_argument("--json", type=Path, default=None, help="write the result as JSON here")


def run_latency_command(args: argparse.Namespace) -> int:
    video = args.video
    if video is None:
        data = find_data_dir()
        if data is None:
            raise OutputError("bench latency: no --video and no shared data (set VIGIL_DATA)")
        video = data / "videos" / "vtest.avi"
    for name in ("duration", "warmup", "fps"):
        if not getattr(args, name) > 0:
            raise OutputError(f"bench latency: --{name} must be > 0, got {getattr(args, name)}")
    r = run_latency_benchmark(
        video, duration=args.duration, warmup=args.warmup, fps=args.fps, detector={"model": args.model, "threads": 1}
    )
    sys.stdout.write(
        f"event latency, frame capture -> MQTT, {r.messages} messages over {r.duration_s:.0f} s at {r.fps:g} fps "
        f"({', '.join(f'{k} {v}' for k, v in sorted(r.by_phase.items()))}):\n"
        f"  p50 {r.p50_s * 1000:.0f} ms  p95 {r.p95_s * 1000:.0f} ms  p99 {r.p99_s * 1000:.0f} ms  "
        f"max {r.max_s * 1000:.0f} ms  mean {r.mean_s * 1000:.0f} ms\n"
    )
    if args.json is not None:
        try:
            args.json.write_text(json.dumps(r.to_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"--json {args.json}: cannot write: {e.strerror or e}") from e
    return 0
