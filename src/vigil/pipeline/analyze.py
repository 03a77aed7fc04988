"""`vigil analyze`: run one input through detector and tracker and write the outputs.

Outputs in the chosen folder: tracks.txt (MOTChallenge), events.jsonl,
annotated.mp4 (H.264, plays in browsers) and report.html. Memory stays flat
however long the input is: frames are streamed, aggregates are fixed-size.
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from vigil import __version__
from vigil.analytics.engine import AnalyticsEngine
from vigil.analytics.scene import SceneModel, UnusualActivityDetector
from vigil.config.models import AnalysisConfig
from vigil.count.live import CountingStage
from vigil.detect import create_detector
from vigil.detect.classes import PERSON
from vigil.errors import OutputError
from vigil.output import (
    AnnotatedVideoWriter,
    EventsJsonlWriter,
    ReportBuilder,
    TrackLifecycle,
    TracksTxtWriter,
    redact_url,
)
from vigil.output.scene import SceneGeometry
from vigil.pipeline.camera import CameraPipeline
from vigil.pipeline.masking import FrameMasker
from vigil.pipeline.prefetch import Prefetcher
from vigil.sources import LiveSource, open_source
from vigil.track import VigilTracker
from vigil.types import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """Run options from the command line (seconds, never frames, except max_frames)."""

    out_dir: Path
    start: float = 0.0
    end: float | None = None
    fps: float | None = None
    max_frames: int | None = None
    write_video: bool = True
    timeout: float = 10.0
    progress: bool = True
    loop: int = 1


@dataclass(frozen=True, slots=True)
class AnalyzeResult:
    """What a run did; also written as summary.json."""

    frames: int
    wall_seconds: float
    stream_seconds: float
    unique_tracks: int
    events: int
    stage_seconds: dict[str, float]
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.frames / self.wall_seconds if self.wall_seconds > 0 else 0.0


def _prepare_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: output path exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{out}: cannot create output folder: {e.strerror or e}") from e


def _expected_frames(source_fps: float | None, count: int | None, opts: AnalyzeOptions) -> int | None:
    if count is None or not source_fps:
        return opts.max_frames
    duration = count / source_fps
    end = min(duration, opts.end) if opts.end is not None else duration
    span = max(0.0, end - opts.start)
    rate = min(source_fps, opts.fps) if opts.fps else source_fps
    n = int(round(span * rate))
    return min(n, opts.max_frames) if opts.max_frames else n


def _rate(source_fps: float | None, limit: float | None) -> float | None:
    if source_fps and limit:
        return min(source_fps, limit)
    return source_fps or limit


def analyze(spec: str, cfg: AnalysisConfig, opts: AnalyzeOptions) -> AnalyzeResult:
    """Analyse ``spec`` (file, image folder, or stream URL) and write outputs into ``opts.out_dir``."""
    fps_limit = opts.fps if opts.fps is not None else cfg.fps
    source = open_source(
        spec, fps=fps_limit, start=opts.start, end=opts.end, timeout=opts.timeout, name=cfg.camera, loop=opts.loop
    )
    out = opts.out_dir
    with ExitStack() as stack:
        stack.callback(source.close)
        _prepare_out_dir(out)
        detector = create_detector(cfg.detector)
        unusual = None
        if cfg.scene_model is not None:
            unusual = UnusualActivityDetector(SceneModel.load(cfg.scene_model), cfg.unusual_activity, cfg.camera)
        pipeline = CameraPipeline(
            cfg.camera, detector, VigilTracker(cfg.tracker), AnalyticsEngine.from_config(cfg), unusual,
            CountingStage.from_config(cfg),
        )  # fmt: skip
        masker = FrameMasker(cfg.masks)  # the detector sees masked frames; outputs show the originals
        scene = SceneGeometry.from_config(cfg)
        live = isinstance(source, LiveSource)
        outputs = {"tracks": out / "tracks.txt", "events": out / "events.jsonl", "report": out / "report.html"}
        tracks_txt = stack.enter_context(TracksTxtWriter(outputs["tracks"], classes={PERSON}))
        events_out = stack.enter_context(EventsJsonlWriter(outputs["events"]))
        lifecycle = TrackLifecycle(cfg.camera)
        video: AnnotatedVideoWriter | None = None
        report: ReportBuilder | None = None
        prefetch = stack.enter_context(Prefetcher(source))
        total = _expected_frames(source.fps, source.frame_count, AnalyzeOptions(
            out, opts.start, opts.end, fps_limit, opts.max_frames))
        bar = stack.enter_context(
            tqdm(total=total, unit="frame", desc=cfg.camera, disable=not opts.progress, dynamic_ncols=True, leave=True)
        )
        t_start = time.perf_counter()
        output_seconds = 0.0
        frames = 0
        n_events = 0
        first_pts: float | None = None
        last_pts = 0.0
        for frame in prefetch:
            if first_pts is None:
                first_pts = frame.pts
                report = ReportBuilder(cfg.camera, frame.width, frame.height, scene=scene)
                report.set_background(frame.image)
                if opts.write_video:
                    outputs["video"] = out / "annotated.mp4"
                    video = stack.enter_context(AnnotatedVideoWriter(
                        outputs["video"], frame.width, frame.height, _rate(source.fps, fps_limit),
                        camera=cfg.camera, scene=scene,
                    ))  # fmt: skip
            last_pts = frame.pts
            result = pipeline.process(masker.apply(frame), time.time() if live else None)
            t0 = time.perf_counter()
            frames += 1
            tracks_txt.write(frames, result.tracks)
            events: list[Event] = lifecycle.update(frame.pts, result.tracks, result.ended_track_ids)
            events.extend(result.events)
            for ev in events:
                events_out.write(ev)
                assert report is not None
                report.add_event(ev)
            n_events += len(events)
            assert report is not None
            report.add(frame.pts, result.tracks)
            if result.anomaly is not None and pipeline.anomaly_threshold is not None:
                report.add_score(frame.pts, result.anomaly, pipeline.anomaly_threshold)
            if video is not None:
                video.write(frame, result.tracks, events)
            output_seconds += time.perf_counter() - t0
            bar.update(1)
            if opts.max_frames is not None and frames >= opts.max_frames:
                break
        for ev in [*pipeline.close(last_pts), *lifecycle.close(last_pts)]:
            events_out.write(ev)
            if report is not None:
                report.add_event(ev)
            n_events += 1
        wall = time.perf_counter() - t_start
        if frames == 0:
            log.warning("%s: no frames were analysed (check --start/--end)", cfg.camera)
        dt = detector.times
        stages = {
            "decode": prefetch.decode_seconds,
            **({"masking": masker.seconds} if masker else {}),
            "preprocess": dt.preprocess,
            "inference": dt.inference,
            "postprocess": dt.postprocess,
            "tracking": pipeline.tracking_seconds,
            "analytics": pipeline.analytics_seconds,
            **({"counting": pipeline.counting_seconds} if pipeline.counting is not None else {}),
            "outputs": output_seconds,
            "total": wall,
        }
        health = source.health()
        result_obj = AnalyzeResult(
            frames=frames,
            wall_seconds=wall,
            stream_seconds=max(0.0, last_pts - (first_pts or 0.0)),
            unique_tracks=lifecycle.unique_tracks,
            events=n_events,
            stage_seconds=stages,
            outputs={k: str(v) for k, v in outputs.items()},
        )
        summary = {
            "vigil_version": __version__,
            "input": redact_url(spec),
            "camera": cfg.camera,
            "frames": frames,
            "corrupt_frames_skipped": health.corrupt_frames,
            "stream_seconds": round(result_obj.stream_seconds, 3),
            "wall_seconds": round(wall, 3),
            "analysis_fps": round(result_obj.fps, 2),
            "unique_tracks": result_obj.unique_tracks,
            "events": n_events,
            "stage_seconds": {k: round(v, 4) for k, v in stages.items()},
            "model": cfg.detector.model,
        }
        if report is None:
            report = ReportBuilder(cfg.camera, 1, 1, scene=scene)
        report.set_occupancy(pipeline.analytics.occupancy())
        report.set_line_counts(pipeline.analytics.line_counts())
        report.write(outputs["report"], summary)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return result_obj
