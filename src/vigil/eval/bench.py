"""`vigil bench`: time each pipeline stage, and compare trackers side by side.

Two parts, both run in one invocation so that ratios are taken on the same
(noisy) machine at the same time:

1. Pipeline: `vigil analyze VIDEO --no-video` as a user runs it; per-stage
   seconds (decode, preprocess, inference, postprocess, tracking, outputs),
   frames/s and the share of wall time spent outside model inference.
2. Trackers: Vigil's tracker and the reference trackers on the public
   detections of MOT sequences: HOTA/MOTA/IDF1 combined and tracker-only frames/s.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from vigil.config import AnalysisConfig, load_yaml
from vigil.eval.datadir import require_data_dir
from vigil.errors import DatasetError

log = logging.getLogger(__name__)

REFERENCE_TRACKERS = ("sv-bytetrack", "trackers-bytetrack", "trackers-ocsort", "trackers-sort")
DEFAULT_MOT = ("mot/PETS09-S2L1", "mot/TUD-Campus", "mot-textonly/ETH-Sunnyday", "mot-textonly/KITTI-17",
               "mot-textonly/ADL-Rundle-6", "mot-textonly/Venice-2")


def bench_pipeline(video: Path, cfg: AnalysisConfig, max_frames: int | None) -> dict[str, Any]:
    """Run the analyze pipeline without video output and return stage timings."""
    from vigil.pipeline.analyze import AnalyzeOptions, analyze

    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        res = analyze(str(video), cfg, AnalyzeOptions(out_dir=Path(tmp), max_frames=max_frames,
                                                        write_video=False, progress=False))
    s = res.stage_seconds
    n = max(res.frames, 1)
    total = s["total"]
    return {
        "video": str(video),
        "frames": res.frames,
        "frames_per_second": res.fps,
        "ms_per_frame": {k: 1000 * v / n for k, v in s.items()},
        "share_outside_inference": 1.0 - s["inference"] / total if total > 0 else 0.0,
        "model": cfg.detector.model,
        "input_size": cfg.detector.input_size,
        "threads": cfg.detector.threads,
    }


def bench_trackers(dirs: list[Path], cfg: AnalysisConfig, repeat: int) -> dict[str, Any]:
    """Every tracker on the same public detections: accuracy (TrackEval) and best-of-N frames/s."""
    from vigil.eval.mot import evaluate
    from vigil.eval.motdata import find_sequences

    seqs = find_sequences(dirs)
    out: dict[str, Any] = {"sequences": [s.name for s in seqs], "trackers": {}}
    for name in ("vigil", *REFERENCE_TRACKERS):
        best_fps = 0.0
        report = None
        for _ in range(repeat):
            report = evaluate(seqs, name, detections="public", cfg=cfg)
            best_fps = max(best_fps, report.tracker_fps)
        assert report is not None
        c = report.combined
        out["trackers"][name] = {
            "HOTA": c.HOTA, "MOTA": c.MOTA, "IDF1": c.IDF1, "IDSW": c.IDSW, "frames_per_second": best_fps,
            "sequences": {k: {"HOTA": v.HOTA, "MOTA": v.MOTA, "IDF1": v.IDF1, "IDSW": v.IDSW}
                          for k, v in report.sequences.items()},
        }
    return out


def _print_pipeline(p: dict[str, Any]) -> None:
    ms = p["ms_per_frame"]
    print(f"Pipeline: {p['video']} ({p['frames']} frames, model {p['model']}, {p['threads']} threads)")
    for k in ("decode", "masking", "preprocess", "inference", "postprocess", "tracking", "analytics", "outputs",
              "total"):
        if k in ms:
            print(f"  {k:<12} {ms[k]:7.2f} ms/frame")
    print(f"  frames/s      {p['frames_per_second']:7.1f}")
    print(f"  outside inference {100 * p['share_outside_inference']:5.1f}% of wall time"
          " (decode runs on its own thread, overlapping inference)")


def _print_trackers(t: dict[str, Any]) -> None:
    print(f"Trackers on public detections of {len(t['sequences'])} sequences (combined, TrackEval):")
    print(f"  {'tracker':<20} {'HOTA':>6} {'MOTA':>6} {'IDF1':>6} {'IDSW':>5} {'frames/s':>9}")
    base = t["trackers"]["vigil"]["frames_per_second"]
    for name, r in t["trackers"].items():
        ratio = f"  (vigil is {base / r['frames_per_second']:.1f}x)" if name != "vigil" and r["frames_per_second"] else ""
        print(f"  {name:<20} {r['HOTA']:6.3f} {r['MOTA']:6.3f} {r['IDF1']:6.3f} {r['IDSW']:5d} "
              f"{r['frames_per_second']:9.0f}{ratio}")


def run_bench_command(args: argparse.Namespace) -> int:
    cfg = load_yaml(args.config, AnalysisConfig) if args.config else AnalysisConfig()
    result: dict[str, Any] = {}
    if not args.skip_pipeline:
        video = args.video or require_data_dir() / "videos" / "vtest.avi"
        # Side by side: without behaviour analytics, then as configured, to price the rules.
        core = cfg.model_copy(update={"rules": ()})
        result["pipeline_core"] = bench_pipeline(video, core, args.max_frames)
        result["pipeline"] = bench_pipeline(video, cfg, args.max_frames)
        _print_pipeline(result["pipeline"])
        base = result["pipeline_core"]["ms_per_frame"]["total"]
        full = result["pipeline"]["ms_per_frame"]["total"]
        result["analytics_overhead"] = full / base - 1.0 if base > 0 else 0.0
        print(f"  without behaviour rules: {base:.2f} ms/frame; rules add {100 * result['analytics_overhead']:+.1f}%")
    if not args.skip_trackers:
        dirs = args.mot if args.mot else [require_data_dir() / d for d in DEFAULT_MOT]
        missing = [d for d in dirs if not d.exists()]
        if missing:
            raise DatasetError(f"{missing[0]}: MOT sequence folder not found")
        result["trackers"] = bench_trackers(list(dirs), cfg, args.repeat)
        _print_trackers(result["trackers"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0
