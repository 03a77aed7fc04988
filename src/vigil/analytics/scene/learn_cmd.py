"""CLI glue for `vigil learn INPUT... --out MODEL [--config FILE] [--false-alarms-per-hour X] [--fps F]`.

Each INPUT is normal footage of one camera: a video file, a folder of images, or a
folder holding several of either (each one clip). The model is written as one .npz.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from vigil.analytics.scene.learner import SceneLearner
from vigil.config import AnalysisConfig, load_yaml
from vigil.errors import DatasetError, SourceError
from vigil.pipeline.masking import FrameMasker
from vigil.sources import open_source
from vigil.sources.images import IMAGE_SUFFIXES, natural_key

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".avi", ".mp4", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg", ".webm", ".ts"})


def expand_inputs(inputs: list[str]) -> list[str]:
    """Each INPUT as clips: a folder of clip folders or videos becomes its entries; URLs pass through."""
    out: list[str] = []
    for spec in inputs:
        p = Path(spec)
        if "://" in spec or not p.is_dir():
            out.append(spec)
            continue
        entries = sorted(p.iterdir(), key=lambda q: natural_key(q.name))
        if any(q.is_file() and q.suffix.lower() in IMAGE_SUFFIXES for q in entries) or (p / "seqinfo.ini").is_file():
            out.append(spec)
            continue
        clips = [q for q in entries if q.is_dir() or (q.is_file() and q.suffix.lower() in VIDEO_SUFFIXES)]
        if not clips:
            raise DatasetError(f"{p}: no videos, images or frame folders to learn from")
        out.extend(str(q) for q in clips)
    return out


def run_learn_command(args: argparse.Namespace) -> int:
    """Reads args.inputs (list of str), args.out (Path), args.config (Path | None),
    args.false_alarms_per_hour (float, default 1.0) and args.fps (float | None: frame rate
    of image folders without one)."""
    config_path = getattr(args, "config", None)
    settings = load_yaml(config_path, AnalysisConfig) if config_path else AnalysisConfig()
    masker = FrameMasker(settings.masks)
    rate = float(getattr(args, "false_alarms_per_hour", None) or 1.0)
    learner = SceneLearner(settings.scene)
    t0 = time.perf_counter()
    clips = expand_inputs([str(s) for s in args.inputs])
    for spec in clips:
        n0 = learner.frames
        try:
            with open_source(spec, fps=getattr(args, "fps", None)) as source:
                for frame in source:
                    learner.add(masker.apply(frame))
        except DatasetError as e:
            raise DatasetError(f"{spec}: {e}") from e
        except SourceError:
            raise
        learner.end_clip()
        log.info("learned %s: %d frames", spec, learner.frames - n0)
    try:
        model = learner.fit(rate, settings.unusual_activity)
    except DatasetError as e:
        raise DatasetError(f"{', '.join(clips)}: {e}") from e
    path = model.save(args.out)
    log.info(
        "wrote %s: %d clip(s), %.0f s of footage, threshold %.2f for %g false alarms/hour, in %.1f s",
        path, len(clips), learner.seconds, model.threshold, rate, time.perf_counter() - t0,
    )  # fmt: skip
    return 0
