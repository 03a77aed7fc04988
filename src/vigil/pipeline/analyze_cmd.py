"""CLI glue for `vigil analyze`."""

from __future__ import annotations

import argparse
import logging
import sys

from vigil.config import AnalysisConfig, load_yaml
from vigil.pipeline.analyze import AnalyzeOptions, analyze

log = logging.getLogger(__name__)


def load_analysis_config(args: argparse.Namespace) -> AnalysisConfig:
    cfg = load_yaml(args.config, AnalysisConfig) if args.config else AnalysisConfig()
    if getattr(args, "model", None):
        cfg = cfg.model_copy(update={"detector": cfg.detector.model_copy(update={"model": args.model})})
    return cfg


def run_analyze_command(args: argparse.Namespace) -> int:
    cfg = load_analysis_config(args)
    opts = AnalyzeOptions(
        out_dir=args.out,
        start=args.start,
        end=args.end,
        fps=args.fps,
        max_frames=args.max_frames,
        write_video=not args.no_video,
        timeout=args.timeout,
        progress=not args.no_progress and sys.stderr.isatty(),
        loop=args.loop,
    )
    result = analyze(args.input, cfg, opts)
    s = result.stage_seconds
    inference_share = s["inference"] / s["total"] if s["total"] > 0 else 0.0
    log.info(
        "%s: %d frames in %.1f s (%.1f frames/s), %d tracks, %d events; inference %.0f%% of the time",
        cfg.camera, result.frames, result.wall_seconds, result.fps, result.unique_tracks, result.events,
        100 * inference_share,
    )
    for name, path in result.outputs.items():
        log.info("wrote %s: %s", name, path)
    return 0
