"""CLI glue for `vigil eval mot`: evaluate, print a table, optionally write JSON and tracks."""

from __future__ import annotations

import argparse
import json
import logging

from vigil.config import AnalysisConfig, load_yaml
from vigil.errors import DatasetError, VigilError
from vigil.eval.mot import EvalReport, evaluate
from vigil.eval.motdata import find_sequences

log = logging.getLogger(__name__)

_HEADER = ("sequence", "frames", "HOTA", "MOTA", "IDF1", "IDSW", "DetA", "AssA", "FP", "FN", "tracker fps")


def format_table(report: EvalReport) -> str:
    """One row per sequence plus a 'combined' row; ratios as fractions with 3 decimals."""
    rows = [(name, s, report.timing[name].tracker_fps) for name, s in report.sequences.items()]
    rows.append(("combined", report.combined, report.tracker_fps))
    width = max(len(_HEADER[0]), *(len(r[0]) for r in rows))
    lines = [
        f"{_HEADER[0]:<{width}} {_HEADER[1]:>6} "
        + " ".join(f"{h:>6}" for h in _HEADER[2:8])
        + f" {_HEADER[8]:>6} {_HEADER[9]:>6} {_HEADER[10]:>11}"
    ]
    for name, s, fps in rows:
        lines.append(
            f"{name:<{width}} {s.num_frames:>6d} {s.HOTA:6.3f} {s.MOTA:6.3f} {s.IDF1:6.3f} {s.IDSW:6d} "
            f"{s.DetA:6.3f} {s.AssA:6.3f} {s.FP:6d} {s.FN:6d} {fps:11.0f}"
        )
    return "\n".join(lines)


def run_eval_mot_command(args: argparse.Namespace) -> int:
    cfg = load_yaml(args.config, AnalysisConfig) if args.config else AnalysisConfig()
    sequences = find_sequences(args.dirs)
    missing = [s for s in sequences if not s.gt_path.is_file()]
    if missing:
        raise DatasetError(f"{missing[0].root}: no ground truth (gt/gt.txt is missing)")
    report = evaluate(sequences, args.tracker, detections=args.detections, cfg=cfg, out_dir=args.out)
    print(f"{report.tracker} on {report.detections} detections (TrackEval; CLEAR/Identity at IoU 0.5)")
    print(format_table(report))
    if args.json:
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise VigilError(f"{args.json}: cannot write JSON: {e}") from e
        log.info("wrote metrics: %s", args.json)
    if args.out:
        log.info("wrote %d track files to %s", len(report.outputs), args.out)
    return 0
