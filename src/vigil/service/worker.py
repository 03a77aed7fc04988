"""One camera in its own process: source → (motion gate) → detector → tracker → rules.

``run_worker`` is the entry point the supervisor starts in a "spawn" child process. It
builds everything from the camera's config, reads frames until told to stop (or, for a
file without ``loop``, until the end), and sends typed messages (vigil.service.health)
on its queue: behaviour events (named by vigil.service.identity), heartbeats, its log
records, and a failure before it exits on an error. The event store and outputs stay in
the parent (one writer per DB).

Per analysed frame it also feeds, in this order (an event always precedes its media):

- the recorders (vigil.service.worker_recording), with the raw frame, when the camera
  records and the worker has a data directory: WorkerMedia for each finished file;
- the preview (vigil.service.worker_preview): a WorkerFrame now and then, more often
  while the supervisor's shared viewer count is above zero;
- the zone counter and heat map (vigil.service.worker_stats): WorkerCounts, WorkerHeat.

A worker whose parent dies exits by itself (checked at every heartbeat).

Files and image folders (demo cameras) are paced to real time by pts, so a looping file
behaves like a live camera (frames more than MAX_BEHIND seconds late are decoded but not
analysed); live sources deliver at their own rate and drop frames when the worker falls
behind.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

import cv2

from vigil.analytics.engine import AnalyticsEngine
from vigil.analytics.scene import SceneModel, UnusualActivityDetector
from vigil.config.models import DetectorConfig
from vigil.config.service import CameraConfig
from vigil.count.live import CountingStage
from vigil.detect import Detector, create_detector
from vigil.errors import VigilError
from vigil.pipeline.camera import CameraPipeline, FrameResult
from vigil.pipeline.masking import FrameMasker
from vigil.pipeline.motion_gate import GatedDetector, MotionGate
from vigil.recording.redact import Redactor
from vigil.service.health import Phase, WorkerEvent, WorkerFailed, WorkerHeartbeat
from vigil.service.identity import EventIdentity
from vigil.service.worker_preview import PreviewSender
from vigil.service.worker_recording import WorkerRecorders
from vigil.service.worker_stats import MIN_COUNT_INTERVAL, HeatMap, ZoneCounter
from vigil.sources import LiveSource, Source, SourceHealth, open_source
from vigil.sources._decode import set_decode_threads
from vigil.track import VigilTracker
from vigil.types import Event, Frame

log = logging.getLogger(__name__)

RATE_WINDOW = 3.0  # seconds over which rates are measured
MAX_BEHIND = 1.0  # a paced file more than this many seconds behind real time skips frames, as a live camera would


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """heartbeat_interval: seconds between heartbeats. log_level: the parent's level for
    the records the worker forwards. pace_files: play files and folders in real time.
    forward_logs: send log records to the parent (False only when run in-process, in tests).
    parent_pid: the supervisor's process id; the worker exits when its parent is no longer it.
    data_dir: where clips, snapshots and segments go (None: the camera records nothing).
    preview_idle_s: seconds between preview frames while nobody watches; preview_fps:
    preview frames a second while someone does.
    counts_interval_s: seconds between zone counts when nothing changes (a change is sent
    at once, but never more than one count a second). heat_interval_s: seconds between heat maps.
    detector_factory: builds the detector from the camera's detector config (default:
    ``vigil.detect.create_detector``); a module-level function, since it crosses to the
    worker process (tests use it for a stub).
    """

    heartbeat_interval: float = 0.5
    log_level: int = logging.INFO
    pace_files: bool = True
    forward_logs: bool = True
    parent_pid: int | None = None
    data_dir: Path | None = None
    preview_idle_s: float = 1.0
    preview_fps: float = 5.0
    counts_interval_s: float = 5.0
    heat_interval_s: float = 60.0
    detector_factory: Callable[[DetectorConfig], Detector] | None = None

    def __post_init__(self) -> None:
        for name in ("heartbeat_interval", "preview_idle_s", "preview_fps", "counts_interval_s", "heat_interval_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"worker {name} must be > 0, got {getattr(self, name)}")


class _Counters:
    """Frame-loop state the heartbeat thread reads (plain attributes: one writer, the frame loop)."""

    def __init__(self) -> None:
        self.phase: Phase = "loading"
        self.progress = time.monotonic()
        self.frames_in = 0
        self.frames_analysed = 0
        self.frames_detected = 0
        self.lag: float | None = None
        self.last_frame_wall: float | None = None
        self.source: Source | None = None
        self.source_health: SourceHealth | None = None

    def mark(self, phase: Phase | None = None) -> None:
        if phase is not None:
            self.phase = phase
        self.progress = time.monotonic()


class _Rates:
    """Frames per second of three counters over the last RATE_WINDOW seconds."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int, int, int]] = deque()

    def update(self, c: _Counters) -> tuple[float, float, float]:
        now = time.monotonic()
        self._samples.append((now, c.frames_in, c.frames_analysed, c.frames_detected))
        while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW:
            self._samples.popleft()
        t0, *first = self._samples[0]
        dt = now - t0
        if dt <= 0:
            return 0.0, 0.0, 0.0
        rates = [(b - a) / dt for a, b in zip(first, (c.frames_in, c.frames_analysed, c.frames_detected), strict=True)]
        return rates[0], rates[1], rates[2]


def _heartbeat(cam: str, c: _Counters, rates: _Rates) -> WorkerHeartbeat:
    source = c.source
    health = c.source_health
    if isinstance(source, LiveSource):  # live sources are thread-safe; they report while read() waits
        health = source.health()
    input_fps, analysis_fps, detect_fps = rates.update(c)
    if isinstance(source, LiveSource) or health is None:
        online = health.online if health is not None else False
    else:  # a file or folder is online while it delivers frames
        online = c.phase == "running"
    return WorkerHeartbeat(
        cam, os.getpid(), c.phase, time.monotonic() - c.progress, online and c.phase == "running",
        c.frames_in, c.frames_analysed, c.frames_detected, input_fps, analysis_fps, detect_fps,
        c.lag, c.last_frame_wall,
        health.reconnects if health is not None else 0, health.last_error if health is not None else None,
        time.process_time(),
    )  # fmt: skip


def _heartbeats(
    cam: str, queue: Queue[Any], c: _Counters, rates: _Rates, stop: threading.Event, interval: float, parent: int | None
) -> None:
    while not stop.wait(interval):
        if parent is not None and os.getppid() != parent:  # the supervisor died without stopping us
            log.error("%s: supervisor process %d is gone; worker exits", cam, parent)
            os._exit(3)
        queue.put(_heartbeat(cam, c, rates))


def _build_pipeline(
    cfg: CameraConfig, factory: Callable[[DetectorConfig], Detector] | None = None
) -> tuple[CameraPipeline, GatedDetector | None]:
    detector = (factory or create_detector)(cfg.detector)
    gated = GatedDetector(detector, MotionGate()) if cfg.motion_gating else None
    unusual = None
    if cfg.scene_model is not None:
        unusual = UnusualActivityDetector(SceneModel.load(cfg.scene_model), cfg.unusual_activity, cfg.camera)
    pipeline = CameraPipeline(
        cfg.camera, gated or detector, VigilTracker(cfg.tracker), AnalyticsEngine.from_config(cfg), unusual,
        CountingStage.from_config(cfg),  # None unless counting.occupancy: zone counts from the tiled counter
    )  # fmt: skip
    return pipeline, gated


def _forward_logs(queue: Queue[Any], level: int) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(logging.handlers.QueueHandler(queue))  # type: ignore[arg-type]
    root.setLevel(level)


def run_worker(
    cfg: CameraConfig,
    queue: Queue[Any],
    stop: MpEvent,
    settings: WorkerSettings,
    viewers: Synchronized[int] | None = None,
) -> None:
    """Run camera ``cfg`` until ``stop`` is set (process entry point; never raises).

    viewers: shared count of clients watching the preview (set by the supervisor).
    """
    if settings.forward_logs:
        _forward_logs(queue, settings.log_level)
    counters = _Counters()
    rates = _Rates()
    beat_stop = threading.Event()
    beats = threading.Thread(
        target=_heartbeats, args=(cfg.camera, queue, counters, rates, beat_stop, settings.heartbeat_interval, settings.parent_pid),
        name=f"heartbeat-{cfg.camera}", daemon=True,
    )  # fmt: skip
    beats.start()
    try:
        _loop(cfg, queue, stop, settings, counters, viewers)
    except VigilError as e:
        log.error("%s: %s", cfg.camera, e)
        queue.put(WorkerFailed(cfg.camera, os.getpid(), str(e)))
        raise SystemExit(1) from e
    except Exception as e:  # the supervisor restarts us; say why first
        log.exception("%s: worker failed", cfg.camera)
        queue.put(WorkerFailed(cfg.camera, os.getpid(), f"{type(e).__name__}: {e}"))
        raise SystemExit(1) from e
    finally:
        beat_stop.set()
        beats.join(2.0)
        queue.put(_heartbeat(cfg.camera, counters, rates))  # the final state


class _Outputs:
    """Everything a frame feeds besides events: recorders, preview, zone counts, heat map."""

    def __init__(
        self, cfg: CameraConfig, queue: Queue[Any], settings: WorkerSettings, viewers: Synchronized[int] | None
    ) -> None:
        cam = cfg.camera
        self.queue = queue
        self.recorders: WorkerRecorders | None = None
        if cfg.recording.enabled and settings.data_dir is not None:
            self.recorders = WorkerRecorders(cfg, Path(settings.data_dir), queue.put)
        elif cfg.recording.enabled:
            log.info("%s: no data directory; the camera records nothing", cam)
        self.preview = PreviewSender(
            cam, idle_s=settings.preview_idle_s, fps=settings.preview_fps, viewers=viewers,
            redactor=Redactor(cfg.recording.redaction),
        )  # fmt: skip
        every = settings.counts_interval_s
        self.counter = ZoneCounter(cam, cfg.zones, interval_s=every, min_interval_s=min(MIN_COUNT_INTERVAL, every))
        self.heat = HeatMap(cam, interval_s=settings.heat_interval_s)

    def push(
        self, result: FrameResult, raw: Frame, events: Sequence[tuple[str, Event]], wall: float, origin: float,
        engine: AnalyticsEngine,
    ) -> None:  # fmt: skip
        """One analysed frame: ``raw`` is the unmasked frame, ``events`` were already sent."""
        tracks = result.tracks
        size = (raw.width, raw.height)
        if self.recorders is not None:
            self.recorders.push(raw, tracks, events, origin)
        for msg in (
            self.preview.observe(raw, tracks, wall),
            self.counter.observe(tracks, size, wall, engine.line_counts),
            self.heat.observe(tracks, size, wall),
        ):
            if msg is not None:
                self.queue.put(msg)

    def close(self) -> None:
        """Finish recordings (their media messages go out) and send the heat map so far."""
        try:
            if self.recorders is not None:
                self.recorders.close()
        finally:
            heat = self.heat.flush()
            if heat is not None:
                self.queue.put(heat)


def _loop(
    cfg: CameraConfig,
    queue: Queue[Any],
    stop: MpEvent,
    settings: WorkerSettings,
    c: _Counters,
    viewers: Synchronized[int] | None = None,
) -> None:
    cam = cfg.camera
    set_decode_threads(1)  # one process per camera already spreads the cameras over the cores,
    cv2.setNumThreads(1)  # so decoding and OpenCV's own thread pool would only fight over them
    run = uuid.uuid4().hex
    identity = EventIdentity(run, cam)
    c.mark("loading")
    pipeline, gated = _build_pipeline(cfg, settings.detector_factory)
    masker = FrameMasker(cfg.masks)
    outputs = _Outputs(cfg, queue, settings, viewers)
    c.mark("opening")
    try:
        source = open_source(
            cfg.source, fps=cfg.fps, timeout=cfg.timeout, rtsp_transport=cfg.rtsp_transport, name=cam,
            loop=None if cfg.loop else 1,
        )  # fmt: skip
    except BaseException:
        outputs.close()
        raise
    c.source = source
    live = isinstance(source, LiveSource)
    pace = settings.pace_files and not live
    log.info("%s: worker %d running (%s)", cam, os.getpid(), "live" if live else "paced file" if pace else "file")
    origin: float | None = None  # wall time of pts 0
    last_pts = 0.0
    health_at = 0.0
    try:
        c.mark("running")
        while not stop.is_set():
            frame = source.read()
            c.mark()
            if frame is None:
                break
            c.frames_in += 1
            now = time.time()
            if origin is None or (live and origin + frame.pts > now) or frame.pts < last_pts:
                origin = now - frame.pts  # live clocks drift; a looping file may restart its pts
            frame_wall = origin + frame.pts
            if pace and frame_wall > now and stop.wait(frame_wall - now):
                break
            if pace and now - frame_wall > MAX_BEHIND:  # analysis is slower than the video: drop, as live does
                continue
            last_pts = frame.pts
            masked = masker.apply(frame)
            detect = gated is None or gated.observe(masked)
            result = pipeline.process(masked, frame_wall)
            named = [(identity.id_for(ev), ev) for ev in result.events]
            for eid, ev in named:
                queue.put(WorkerEvent(cam, ev, frame_wall, run, eid))
            outputs.push(result, frame, named, frame_wall, origin, pipeline.analytics)
            c.frames_detected += detect
            c.frames_analysed += 1
            done = time.time()
            c.lag = max(0.0, done - frame_wall)
            c.last_frame_wall = frame_wall
            if done - health_at >= settings.heartbeat_interval:
                c.source_health = source.health()
                health_at = done
        for ev in pipeline.close(last_pts):
            queue.put(WorkerEvent(cam, ev, time.time(), run, identity.id_for(ev)))
    finally:
        c.source = None
        c.source_health = source.health()
        source.close()
        outputs.close()
    c.mark("finished")
    if not stop.is_set():
        log.info("%s: source ended", cam)
