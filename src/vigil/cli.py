"""Command-line interface. The only module that configures logging or prints.

Any VigilError becomes one line on stderr and exit code 2 (traceback with --debug).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from vigil import __version__
from vigil._argtypes import count as _count
from vigil._argtypes import positive as _positive
from vigil._argtypes import seconds as _seconds
from vigil.errors import VigilError

log = logging.getLogger("vigil")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vigil", description="Video analytics that understands behaviour, never identity.")
    p.add_argument("--version", action="version", version=f"vigil {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    a = sub.add_parser("analyze", help="analyse a video file, image folder or stream")
    a.add_argument("input", help="video file, folder of images, or rtsp:// http(s):// webcam:N URL")
    a.add_argument("--config", type=Path, help="YAML config (detector, tracker, camera)")
    a.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: ./out)")
    a.add_argument("--start", type=_seconds, default=0.0, help="start at this stream time (s)")
    a.add_argument("--end", type=_seconds, default=None, help="stop at this stream time (s)")
    a.add_argument("--fps", type=_positive, default=None, help="analysis rate (frames/s); default: every frame")
    a.add_argument("--max-frames", type=_count, default=None, help="stop after this many analysed frames")
    a.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")
    a.add_argument("--timeout", type=_positive, default=10.0, help="seconds to wait for a live stream (default 10)")
    a.add_argument("--model", default=None, help="detector model name or .onnx path (overrides the config)")
    a.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    a.add_argument("--loop", type=_count, default=1, help="play a file or folder this many times (soak tests)")

    e = sub.add_parser("eval", help="evaluate against labelled data")
    esub = e.add_subparsers(dest="eval_command", metavar="KIND")
    esub.required = True
    m = esub.add_parser("mot", help="multi-object tracking on MOTChallenge-layout sequences")
    m.add_argument("dirs", nargs="+", type=Path, help="sequence folders (with gt/gt.txt), or folders of them")
    m.add_argument("--detections", choices=["public", "detector"], default="detector",
                   help="public: the sequence's det/det.txt (tracker only); detector: run the detector on img1/")
    m.add_argument("--tracker", default="vigil",
                   help="tracker to evaluate: vigil (default) or a reference: "
                        "sv-bytetrack, trackers-bytetrack, trackers-ocsort, trackers-sort")
    m.add_argument("--config", type=Path, help="YAML config (detector, tracker)")
    m.add_argument("--json", type=Path, help="write metrics as JSON here")
    m.add_argument("--out", type=Path, help="write each sequence's tracks (MOT format) into this folder")

    c = esub.add_parser("count", help="people counting (MAE, RMSE) on folders of frames + labels.csv")
    c.add_argument("datasets", nargs="+", type=Path, help="dataset folders (frames/ + labels.csv)")
    c.add_argument("--train", type=Path, default=None,
                   help="a dataset folder whose frames all calibrate (then every frame of each dataset is scored)")
    c.add_argument("--calibrate-frames", type=int, default=100,
                   help="without --train: the first N frames calibrate, the rest are scored (0: no calibration)")
    c.add_argument("--config", type=Path, help="YAML config (detector:, counting:)")
    c.add_argument("--tiles", default=None, help="tile grid override: 3x3, 1x1 (whole frame), 2x2+full")
    c.add_argument("--calibration", type=Path, default=None, help="use this saved calibration instead of fitting")
    c.add_argument("--save-calibration", type=Path, default=None, help="write the fitted calibration here")
    c.add_argument("--smoothing", choices=["kalman", "median", "mean", "off"], default=None,
                   help="temporal smoothing of the count (default: from the config)")
    c.add_argument("--fps", type=_positive, default=None, help="frame rate of datasets without a time column (default 2)")
    c.add_argument("--json", type=Path, help="write results as JSON here")

    an = esub.add_parser("anomaly", help="frame-level anomaly scores (ROC AUC, AP, event delay) on labelled data")
    an.add_argument("datasets", nargs="+", type=Path,
                    help="dataset folders: labels.csv beside a video (UMN layout) or a testing/frames/<clip>/ tree")
    an.add_argument("--train", type=Path, default=None, help="normal footage to learn from (Ped2: training/frames)")
    an.add_argument("--json", type=Path, help="write auc, ap and event delays per dataset here")
    an.add_argument("--scores", type=Path, help="write every frame's score as CSV (dataset,clip,frame,score)")
    an.add_argument("--config", type=Path, help="YAML config (scene, unusual_activity; detector/tracker/rules for --rules)")
    an.add_argument("--learn-seconds", type=_positive, default=None,
                    help="UMN protocol: seconds of normal footage at the start of each scene to learn from (default 10)")
    an.add_argument("--false-alarms-per-hour", type=_positive, default=None,
                    help="event threshold calibrated to this rate on the normal footage (default 1)")
    an.add_argument("--fps", type=_positive, default=None, help="frame rate of image-folder datasets (default 10)")
    an.add_argument("--mask-rows", type=int, default=None, help="blank this many top rows (UMN: 31, automatic)")
    an.add_argument("--rules", action="store_true", help="also score with the behaviour rules alone (runs the detector)")

    ln = sub.add_parser("learn", help="learn a camera's normal scene from normal footage (for unusual_activity)")
    ln.add_argument("inputs", nargs="+", help="normal footage: video files, image folders, or folders of clips")
    ln.add_argument("--out", type=Path, required=True, help="where to write the scene model (.npz)")
    ln.add_argument("--config", type=Path, help="YAML config (scene, unusual_activity, masks)")
    ln.add_argument("--false-alarms-per-hour", type=_positive, default=1.0,
                    help="calibrate the event threshold to this many false alarms per hour (default 1)")
    ln.add_argument("--fps", type=_positive, default=None, help="frame rate of image folders without one")

    cc = sub.add_parser("check-config", help="validate a config file; every problem is reported with its line")
    cc.add_argument("file", type=Path, help="a serve config (with cameras:) or an analyze config")

    sv = sub.add_parser("serve", help="run the cameras, event store, alerts, API and web UI (until Ctrl-C)")
    from vigil.service.serve_cmd import add_serve_arguments

    add_serve_arguments(sv)

    us = sub.add_parser("users", help="manage users of `vigil serve` (no default password exists)")
    from vigil.auth.users_cmd import add_users_arguments

    add_users_arguments(us)

    b = sub.add_parser("bench", help="measure speed per stage and compare trackers")
    b.add_argument("--video", type=Path, default=None, help="video for the pipeline benchmark (default: vtest.avi in the data dir)")
    b.add_argument("--mot", type=Path, nargs="*", default=None, help="MOT sequences for the tracker benchmark (default: the shared ones)")
    b.add_argument("--config", type=Path, help="YAML config (detector, tracker)")
    b.add_argument("--max-frames", type=_count, default=None, help="frames of the video to time")
    b.add_argument("--repeat", type=_count, default=3, help="tracker-only repetitions (best is kept)")
    b.add_argument("--skip-pipeline", action="store_true", help="only the tracker comparison")
    b.add_argument("--skip-trackers", action="store_true", help="only the pipeline timing")
    b.add_argument("--json", type=Path, help="write results as JSON here")
    bsub = b.add_subparsers(dest="bench_command", metavar="[WHAT]")
    bsub.required = False
    from vigil.eval.capacity_cmd import add_capacity_arguments
    from vigil.eval.latency_cmd import add_latency_arguments

    add_capacity_arguments(
        bsub.add_parser("cameras", help="how many looping demo cameras hold 5 analysed frames/s (vigil serve's workers)")
    )
    add_latency_arguments(bsub.add_parser("latency", help="event latency: frame capture to MQTT message, through vigil serve"))
    from vigil.delivery.outage_cmd import add_outage_arguments

    add_outage_arguments(bsub.add_parser("outage", help="broker down and webhook failing: is every event delivered after?"))
    return p


def _configure_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not debug:
        for noisy in ("libav", "matplotlib", "PIL", "httpx", "alembic"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


_COMMANDS: dict[tuple[str, str | None], str] = {
    ("analyze", None): "vigil.pipeline.analyze_cmd:run_analyze_command",
    ("eval", "mot"): "vigil.eval.mot_cmd:run_eval_mot_command",
    ("eval", "count"): "vigil.eval.count_cmd:run_eval_count_command",
    ("eval", "anomaly"): "vigil.eval.anomaly_cmd:run_eval_anomaly_command",
    ("learn", None): "vigil.analytics.scene.learn_cmd:run_learn_command",
    ("check-config", None): "vigil.service.check_cmd:run_check_config_command",
    ("serve", None): "vigil.service.serve_cmd:run_serve_command",
    ("users", None): "vigil.auth.users_cmd:run_users_command",
    ("bench", None): "vigil.eval.bench:run_bench_command",
    ("bench", "cameras"): "vigil.eval.capacity_cmd:run_bench_cameras_command",
    ("bench", "outage"): "vigil.delivery.outage_cmd:run_outage_command",
    ("bench", "latency"): "vigil.eval.latency_cmd:run_latency_command",
}
"""(command, subcommand) -> "module:function", imported only when that command runs."""


def _dispatch(args: argparse.Namespace) -> int:
    sub = getattr(args, "eval_command", None) or getattr(args, "bench_command", None)
    target = _COMMANDS.get((args.command, sub))
    if target is None:
        raise AssertionError(f"unhandled command {args.command} {sub or ''}")
    module, function = target.split(":")
    run: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), function)
    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.debug)
    try:
        return _dispatch(args)
    except VigilError as e:
        if args.debug:
            log.exception("failed")
        print(f"vigil: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vigil: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
