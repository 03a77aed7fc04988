"""CLI glue for `vigil eval count`: calibrate, score, print a table, optionally write JSON.

Reads these attributes of the parsed arguments:

- ``datasets``: list of dataset folders (``frames/`` + ``labels.csv``).
- ``train``: a dataset folder whose frames all calibrate (then every frame of each
  dataset is scored), or None.
- ``calibrate_frames``: without ``train``, the first N frames of each dataset calibrate
  and the rest are scored (0: no calibration, raw detection counts).
- ``json``: write per-dataset results here, or None.
- ``config``: YAML config (``detector:``, ``counting:``), or None.
- ``tiles``: tile grid override such as ``3x3`` (``1x1``: whole frame), or None.

Optional (absent means the default): ``calibration`` (a saved calibration JSON to use
instead of fitting one), ``save_calibration`` (write the fitted calibration here),
``smoothing`` (kalman, median, mean or off; overrides the config), ``fps`` (nominal
frame rate of datasets without a ``time`` column; default 2).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from vigil.config import AnalysisConfig, load_yaml
from vigil.count.calibration import CountCalibration
from vigil.count.config import CountingConfig
from vigil.count.dataset import load_counting_dataset
from vigil.count.detector import (
    create_counting_detector,
    describe_layout,
    describe_setup,
    tile_layout,
)
from vigil.errors import ConfigError, OutputError
from vigil.eval.count import (
    DEFAULT_FPS,
    SMOOTHING,
    CountProtocol,
    CountResult,
    evaluate_counting,
)

log = logging.getLogger(__name__)

_HEADER = ("dataset", "scored", "calib", "MAE", "RMSE", "MAE raw", "ms/frame")


def format_table(results: list[CountResult]) -> str:
    """One row per dataset; 'MAE raw' is before temporal smoothing."""
    width = max(len(_HEADER[0]), *(len(r.name) for r in results))
    lines = [f"{_HEADER[0]:<{width}} " + " ".join(f"{h:>8}" for h in _HEADER[1:])]
    for r in results:
        lines.append(
            f"{r.name:<{width}} {r.frames_scored:>8d} {r.calibration_frames:>8d} {r.mae:>8.2f} {r.rmse:>8.2f} "
            f"{r.raw_mae:>8.2f} {r.ms_per_frame:>8.1f}"
        )
    return "\n".join(lines)


def _counting_config(cfg: AnalysisConfig) -> CountingConfig:
    section = getattr(cfg, "counting", None)  # the config tree gains a counting section; until then, defaults
    return section if isinstance(section, CountingConfig) else CountingConfig()


def run_eval_count_command(args: argparse.Namespace) -> int:
    cfg = load_yaml(args.config, AnalysisConfig) if args.config else AnalysisConfig()
    counting = _counting_config(cfg)
    tiles: str | None = args.tiles
    try:
        layout = tile_layout(counting, tiles)
    except ValueError as e:
        raise ConfigError(f"--tiles {tiles}: {e}" if tiles is not None else str(e)) from e

    calibrate_frames = int(args.calibrate_frames)
    if calibrate_frames < 0:
        raise ConfigError(f"--calibrate-frames must not be negative, got {calibrate_frames}")
    smoothing: str | None = getattr(args, "smoothing", None)
    if smoothing is not None and smoothing not in SMOOTHING:
        raise ConfigError(f"--smoothing {smoothing}: use one of {', '.join(SMOOTHING)}")
    fps = getattr(args, "fps", None)
    calibration_path: Path | None = getattr(args, "calibration", None) or counting.calibration
    save_path: Path | None = getattr(args, "save_calibration", None)

    datasets = [load_counting_dataset(p) for p in args.datasets]
    train = load_counting_dataset(args.train) if args.train is not None else None
    given = None
    if calibration_path is not None and train is None:
        given = CountCalibration.load(calibration_path)
        log.info("using count calibration %s", calibration_path)
    if save_path is not None and train is None and (len(datasets) != 1 or calibrate_frames == 0 or given):
        raise ConfigError(
            f"--save-calibration {save_path}: nothing to save; it needs --train DIR, or one dataset "
            "with --calibrate-frames N > 0"
        )

    protocol = CountProtocol(
        calibrate_frames=calibrate_frames,
        thresholds=counting.thresholds,
        smoothing=counting.smoothing if smoothing is None else smoothing,
        window=counting.smoothing_window,
        fps=DEFAULT_FPS if fps is None else float(fps),
        setup=describe_setup(cfg.detector, layout, counting),
    )
    if given is not None and given.setup:
        differ = sorted(k for k in set(given.setup) | set(protocol.setup) if given.setup.get(k) != protocol.setup.get(k))
        if differ:
            log.warning(
                "count calibration %s was fitted for another detector setup (%s differ): its counts will be off",
                calibration_path, ", ".join(differ),
            )
    detector = create_counting_detector(cfg.detector, counting, tiles)
    results, fitted = evaluate_counting(
        datasets, detector, protocol, train=train, calibration=given,
        layout=f"{cfg.detector.model}, {describe_layout(layout, counting.merge)}",
    )

    print(format_table(results))
    for r in results:
        print(f"{r.name}: {r.method} (calibration: {r.calibration_source})")
    if save_path is not None:
        cal = fitted if fitted is not None else results[0].calibration
        cal.save(save_path)
        log.info("wrote count calibration: %s", save_path)
    if args.json:
        names = [r.name for r in results]
        keys = [str(ds.root) if names.count(r.name) > 1 else r.name for r, ds in zip(results, datasets, strict=True)]
        _write_json(args.json, {k: r.to_json() for k, r in zip(keys, results, strict=True)})
    return 0


def _write_json(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise OutputError(f"{path}: cannot write JSON: {e}") from e
    log.info("wrote results: %s", path)


__all__ = ["format_table", "run_eval_count_command"]
