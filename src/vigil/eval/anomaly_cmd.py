"""`vigil eval anomaly DATASET... [--train DIR] [--json FILE] [--scores FILE]`: the scene model on labelled data.

Protocols (see ``anomaly_data``):

- scenes (UMN): each scene (run of one ``sequence``) learns a model on its first
  ``learn_seconds`` (default 10 s, all normal) and scores the rest; scenes too short
  for that are skipped. Caption rows 0-30 are masked.
- clips (UCSD Ped2): one model learns on the training footage (``--train``, default
  ``training/frames`` beside the labels) and scores every test frame.

A clip's first frames (before the first pair of analysed frames) carry no motion; they
take the clip's first measured score, as a per-frame flow baseline gives its first frame
the first pair's flow.

Reported per dataset: frame-level ROC AUC and average precision over all scored
frames (scores are in units of each model's normal spread, so scenes pool), the same
per clip, an onset-tolerant AUC (the second before each labelled onset left out: caption
labels start after people visibly run), the delay from each labelled onset to the first
unusual_activity event, false alarms per hour of normal footage, and the scene model's
cost in ms per frame. With ``--rules`` the behaviour rules alone (detector, tracker and
the default rules) get the same columns: their score is the number of rule events
active at the frame.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vigil.analytics.scene import (
    SceneLearner,
    SceneModel,
    SceneModelConfig,
    SceneScorer,
    UnusualActivityConfig,
    UnusualActivityDetector,
)
from vigil.errors import DatasetError, OutputError
from vigil.eval.anomaly import (
    Interval,
    average_precision,
    event_delays,
    false_alarms,
    onset_tolerant_mask,
    roc_auc,
)
from vigil.eval.anomaly_data import (
    AnomalyDataset,
    LabelledClip,
    load_dataset,
    read_frames,
    training_inputs,
)
from vigil.types import Event, Frame

log = logging.getLogger(__name__)

F64 = npt.NDArray[np.float64]
LEARN_SECONDS = 10.0
ONSET_TOLERANCE = 1.0
MIN_SCORED_SECONDS = 1.0


@dataclass
class ClipResult:
    """Scored frames of one clip (labels' frame numbers), the events, and the rules' column when run."""

    name: str
    frames: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    events: list[Interval] = field(default_factory=list)
    rules: list[float] = field(default_factory=list)
    rule_events: list[Interval] = field(default_factory=list)
    threshold: float = math.nan


class _Rules:
    """Detector + tracker + the configured behaviour rules on one scene: rule events per frame.

    The engine gets each (masked) frame as ``vigil analyze`` gives it, so rules that read the crowd's dense
    motion (``motion: true``) use it here too.
    """

    def __init__(self, cfg: Any, mask_rows: int) -> None:
        from vigil.analytics import AnalyticsEngine
        from vigil.detect import create_detector
        from vigil.track import VigilTracker

        self._detector = create_detector(cfg.detector)
        self._tracker = VigilTracker(cfg.tracker)
        self._engine = AnalyticsEngine.from_config(cfg)
        self._mask_rows = mask_rows
        self._open: dict[tuple[str, float | None], float] = {}
        self.intervals: list[Interval] = []

    def update(self, frame: Frame) -> int:
        image = frame.image
        if self._mask_rows:
            image = image.copy()
            image[: self._mask_rows] = 0
        tracks = self._tracker.update(self._detector.detect(image), frame.pts)
        self._apply(self._engine.evaluate(tracks, frame.pts, (frame.width, frame.height), image=image))
        return len(self._open)

    def _apply(self, events: list[Event]) -> None:
        for e in events:
            key = (f"{e.kind}:{e.track_ids}", e.started)
            if e.phase == "start":
                self._open[key] = e.t
            elif e.phase == "end" and key in self._open:
                self.intervals.append(Interval(self._open.pop(key), e.t))

    def close(self, t: float) -> None:
        self._apply(self._engine.close(t))
        self.intervals.extend(Interval(s, math.inf) for s in self._open.values())
        self._open.clear()


class _Scoring:
    """Scorer + event detector for one clip, collecting into a ClipResult."""

    def __init__(self, model: SceneModel, event_cfg: UnusualActivityConfig, result: ClipResult) -> None:
        self.detector = UnusualActivityDetector(model, event_cfg, camera=result.name)
        self.scorer = SceneScorer(model, threshold=self.detector.threshold)
        self.result = result
        result.threshold = self.detector.threshold
        self._start: float | None = None
        self._unmeasured = 0
        """Leading frames scored before the first measurement (no motion yet: the first frame of a clip)."""

    def add(self, frame: Frame, frame_no: int, label: int, rules: int | None) -> None:
        s = self.scorer.score(frame)
        for ev in self.detector.update(s):
            if ev.phase == "start":
                self._start = ev.t
            elif ev.phase == "end" and self._start is not None:
                self.result.events.append(Interval(self._start, ev.t))
                self._start = None
        r = self.result
        r.frames.append(frame_no)
        r.times.append(frame.pts)
        r.labels.append(label)
        r.scores.append(s.frame_score)
        if s.analysed and self._unmeasured == len(r.scores) - 1:
            # like a per-frame flow baseline, which gives the first frame its first pair's flow
            r.scores[: self._unmeasured] = [s.frame_score] * self._unmeasured
        elif not s.analysed and self._unmeasured == len(r.scores) - 1:
            self._unmeasured += 1
        if rules is not None:
            r.rules.append(float(rules))

    def close(self) -> None:
        if self._start is not None:
            self.result.events.append(Interval(self._start, math.inf))
            self._start = None


class _Scene:
    """One scene of the scenes protocol: learn on its first seconds, then score."""

    def __init__(
        self, ds: AnomalyDataset, clip: LabelledClip, cfg: SceneModelConfig, event_cfg: UnusualActivityConfig,
        rate: float, learn_seconds: float, rules_cfg: Any,
    ) -> None:
        self.ds, self.clip, self.event_cfg, self.rate, self.learn_seconds = ds, clip, event_cfg, rate, learn_seconds
        self.learner = SceneLearner(cfg)
        self.rules = _Rules(rules_cfg, ds.mask_rows) if rules_cfg is not None else None
        self.scoring: _Scoring | None = None
        self.skipped = False
        self.t0: float | None = None
        self.last_t = 0.0

    def add(self, frame: Frame, frame_no: int, label: int) -> None:
        if self.t0 is None:
            self.t0 = frame.pts
        self.last_t = frame.pts
        r = self.rules.update(frame) if self.rules is not None else None
        if self.skipped:
            return
        elapsed = frame.pts - self.t0
        if elapsed < self.learn_seconds - 1e-6:
            if label:
                raise DatasetError(
                    f"{self.ds.root}: scene {self.clip.name} has abnormal frame {frame_no} within its first "
                    f"{self.learn_seconds:g} s, which the protocol learns from as normal"
                )
            self.learner.add(frame)
            return
        if self.scoring is None:
            done = frame_no - int(self.clip.frames[0])
            remaining = (int(self.clip.frames[-1]) - frame_no + 1) * elapsed / max(done, 1)
            if self.learner.seconds < 2.0 or remaining < MIN_SCORED_SECONDS:
                log.info("%s %s: too short to learn on %g s and score the rest; skipped",
                         self.ds.name, self.clip.name, self.learn_seconds)
                self.skipped = True
                return
            model = self.learner.fit(self.rate, self.event_cfg)
            self.scoring = _Scoring(model, self.event_cfg, ClipResult(self.clip.name))
        self.scoring.add(frame, frame_no, label, r)

    def finish(self) -> ClipResult | None:
        if self.scoring is None:
            return None
        self.scoring.close()
        if self.rules is not None:
            self.rules.close(self.last_t)
            self.scoring.result.rule_events = self.rules.intervals
        return self.scoring.result


def _eval_scenes(
    ds: AnomalyDataset, cfg: SceneModelConfig, event_cfg: UnusualActivityConfig, rate: float,
    learn_seconds: float, rules_cfg: Any,
) -> tuple[list[ClipResult], list[SceneScorer]]:
    """The scenes protocol over the dataset's one video, read once in order."""
    where: dict[int, tuple[LabelledClip, int]] = {}
    for clip in ds.clips:
        for i, f in enumerate(clip.frames.tolist()):
            where[f] = (clip, i)
    results: list[ClipResult] = []
    scorers: list[SceneScorer] = []
    scene: _Scene | None = None

    def finish() -> None:
        if scene is not None:
            res = scene.finish()
            if res is not None and scene.scoring is not None:
                results.append(res)
                scorers.append(scene.scoring.scorer)

    decoded = 0
    for frame in read_frames(ds.clips[0].source, None):
        decoded += 1
        hit = where.get(frame.index)
        if hit is None:
            continue
        clip, i = hit
        if scene is None or scene.clip is not clip:
            finish()
            scene = _Scene(ds, clip, cfg, event_cfg, rate, learn_seconds, rules_cfg)
        scene.add(frame, int(clip.frames[i]), int(clip.labels[i]))
    finish()
    if decoded != len(where):
        log.warning("%s: the video gave %d frames, labels.csv lists %d", ds.name, decoded, len(where))
    return results, scorers


def _eval_clips(
    ds: AnomalyDataset, train: Path, cfg: SceneModelConfig, event_cfg: UnusualActivityConfig, rate: float,
    rules_cfg: Any,
) -> tuple[list[ClipResult], list[SceneScorer]]:
    learner = SceneLearner(cfg)
    inputs = training_inputs(train)
    for src in inputs:
        for frame in read_frames(src, ds.fps):
            learner.add(frame)
        learner.end_clip()
    log.info("%s: learned on %d clip(s) of %s (%.0f s)", ds.name, len(inputs), train, learner.seconds)
    model = learner.fit(rate, event_cfg)
    results, scorers = [], []
    for clip in ds.clips:
        res = ClipResult(clip.name)
        scoring = _Scoring(model, event_cfg, res)
        rules = _Rules(rules_cfg, ds.mask_rows) if rules_cfg is not None else None
        frames = read_frames(clip.source, ds.fps)
        last_t = 0.0
        for i, frame in enumerate(frames):
            if i >= len(clip.frames):
                break
            r = rules.update(frame) if rules is not None else None
            scoring.add(frame, int(clip.frames[i]), int(clip.labels[i]), r)
            last_t = frame.pts
        scoring.close()
        if rules is not None:
            rules.close(last_t)
            res.rule_events = rules.intervals
        if len(res.frames) != len(clip.frames):
            raise DatasetError(f"{clip.source}: {len(res.frames)} frames decoded, labels list {len(clip.frames)}")
        results.append(res)
        scorers.append(scoring.scorer)
    return results, scorers


def _nan_to_none(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 4)


def _column(results: list[ClipResult], rules: bool) -> dict[str, Any]:
    """AUC, AP, onset-tolerant AUC, per-clip figures, delays and false alarms of one score column."""
    y = np.concatenate([np.asarray(r.labels, np.int8) for r in results])
    s = np.concatenate([np.asarray(r.rules if rules else r.scores, np.float64) for r in results])
    keep = np.concatenate([
        onset_tolerant_mask(np.asarray(r.times), np.asarray(r.labels), ONSET_TOLERANCE) for r in results
    ])  # fmt: skip
    clips: dict[str, Any] = {}
    delays: list[dict[str, Any]] = []
    alarms, normal_seconds = 0, 0.0
    for r in results:
        yy, ss, tt = np.asarray(r.labels, np.int8), np.asarray(r.rules if rules else r.scores), np.asarray(r.times)
        events = r.rule_events if rules else r.events
        clips[r.name] = {
            "auc": _nan_to_none(roc_auc(yy, ss)), "ap": _nan_to_none(average_precision(yy, ss)),
            "frames": int(yy.size), "abnormal": int(yy.sum()),
        }  # fmt: skip
        for d in event_delays(r.frames, tt, yy, events, early=ONSET_TOLERANCE):
            delays.append({"clip": r.name, "onset_frame": d.onset_frame, "delay_s": d.delay})
        alarms += false_alarms(tt, yy, events)
        if yy.size > 1:
            dt = float(np.median(np.diff(tt)))
            normal_seconds += float((yy == 0).sum()) * dt
    found = [d["delay_s"] for d in delays if d["delay_s"] is not None]
    return {
        "auc": _nan_to_none(roc_auc(y, s)),
        "ap": _nan_to_none(average_precision(y, s)),
        "auc_onset_tolerant": _nan_to_none(roc_auc(y[keep], s[keep])),
        "frames": int(y.size),
        "abnormal": int(y.sum()),
        "clips": clips,
        "delays": delays,
        "onsets": len(delays),
        "detected": len(found),
        "median_delay_s": _nan_to_none(float(np.median(found))) if found else None,
        "false_alarms": alarms,
        "normal_hours": round(normal_seconds / 3600.0, 5),
        "false_alarms_per_hour": _nan_to_none(alarms / (normal_seconds / 3600.0)) if normal_seconds > 0 else None,
    }


def summarize(ds: AnomalyDataset, results: list[ClipResult], scorers: list[SceneScorer], rules: bool) -> dict[str, Any]:
    if not results:
        raise DatasetError(f"{ds.root}: nothing was scored")
    frames = sum(s.frames for s in scorers)
    out: dict[str, Any] = {
        "protocol": ds.protocol,
        "mask_rows": ds.mask_rows,
        "scene_model": _column(results, rules=False),
        "thresholds": {r.name: _nan_to_none(r.threshold) for r in results},
        "scene_ms_per_frame": round(1000.0 * sum(s.seconds for s in scorers) / max(frames, 1), 3),
    }
    if rules:
        out["rules"] = _column(results, rules=True)
    return out


def write_scores(path: Path, per_dataset: dict[str, list[ClipResult]], rules: bool) -> None:
    """dataset,clip,frame,score[,rules] for every scored frame (frame numbers as in labels.csv)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["dataset", "clip", "frame", "score"] + (["rules"] if rules else []))
            for name, results in per_dataset.items():
                for r in results:
                    for i, frame in enumerate(r.frames):
                        row = [name, r.name, frame, f"{r.scores[i]:.5f}"]
                        if rules:
                            row.append(f"{r.rules[i]:g}")
                        w.writerow(row)
    except OSError as e:
        raise OutputError(f"{path}: cannot write scores: {e.strerror or e}") from e


def _fmt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:.3f}"


def _print(name: str, d: dict[str, Any]) -> None:
    cols = [("scene model", d["scene_model"])] + ([("rules only", d["rules"])] if "rules" in d else [])
    print(f"{name} ({d['protocol']} protocol, {d['scene_model']['frames']} frames scored, "
          f"scene model {d['scene_ms_per_frame']:.2f} ms/frame)")
    for label, c in cols:
        med = "-" if c["median_delay_s"] is None else f"{c['median_delay_s']:.2f} s"
        fa = "-" if c["false_alarms_per_hour"] is None else f"{c['false_alarms_per_hour']:.1f}/h"
        print(f"  {label:<12} AUC {_fmt(c['auc'])}  AP {_fmt(c['ap'])}  onset-tolerant AUC {_fmt(c['auc_onset_tolerant'])}"
              f"  detected {c['detected']}/{c['onsets']} (median delay {med})  false alarms {c['false_alarms']} ({fa})")
        print("    per clip: " + "  ".join(f"{k} {_fmt(v['auc'])}/{_fmt(v['ap'])}" for k, v in c["clips"].items())
              + "   (AUC/AP; - where a clip has one class)")


def run_eval_anomaly_command(args: argparse.Namespace) -> int:
    """Reads args.datasets (list of Path), args.train (Path | None), args.json (Path | None),
    args.scores (Path | None); optional: args.config (the analysis YAML: scene, unusual_activity and,
    with --rules, detector/tracker/rules), args.learn_seconds, args.false_alarms_per_hour, args.fps
    (frame folders), args.mask_rows, args.rules (bool)."""
    from vigil.config import AnalysisConfig, load_yaml

    config_path = getattr(args, "config", None)
    settings = load_yaml(config_path, AnalysisConfig) if config_path else AnalysisConfig()
    rate = float(getattr(args, "false_alarms_per_hour", None) or 1.0)
    learn_seconds = float(getattr(args, "learn_seconds", None) or LEARN_SECONDS)
    rules_cfg = settings if getattr(args, "rules", False) else None
    report: dict[str, Any] = {
        "config": {"scene": settings.scene.model_dump(mode="json"),
                   "unusual_activity": settings.unusual_activity.model_dump(mode="json")},
        "datasets": {},
    }
    all_results: dict[str, list[ClipResult]] = {}
    t0 = time.perf_counter()
    for root in args.datasets:
        ds = load_dataset(root, mask_rows=getattr(args, "mask_rows", None), fps=getattr(args, "fps", None))
        cfg = settings.scene.model_copy(update={"mask_rows": ds.mask_rows})
        if ds.protocol == "clips":
            train = getattr(args, "train", None) or ds.train
            if train is None:
                raise DatasetError(f"{ds.root}: frame-folder datasets need --train (normal footage to learn from)")
            results, scorers = _eval_clips(ds, Path(train), cfg, settings.unusual_activity, rate, rules_cfg)
        else:
            results, scorers = _eval_scenes(ds, cfg, settings.unusual_activity, rate, learn_seconds, rules_cfg)
        name = ds.name if ds.name not in report["datasets"] else str(ds.root)
        report["datasets"][name] = summarize(ds, results, scorers, rules_cfg is not None)
        if ds.protocol == "clips":
            report["datasets"][name]["train"] = str(getattr(args, "train", None) or ds.train)
        else:
            report["datasets"][name]["learn_seconds"] = learn_seconds
        all_results[name] = results
        _print(name, report["datasets"][name])
    report["seconds"] = round(time.perf_counter() - t0, 1)
    if getattr(args, "scores", None):
        write_scores(args.scores, all_results, rules_cfg is not None)
        log.info("wrote %s", args.scores)
    if getattr(args, "json", None):
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"{args.json}: cannot write: {e.strerror or e}") from e
        log.info("wrote %s", args.json)
    return 0
