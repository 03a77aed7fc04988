"""The supervisor: one worker process per camera, watched, restarted, reconfigured one by one.

    def store_event(e: WorkerEvent) -> None:
        store.record(e.event, at=datetime.fromtimestamp(e.wall, UTC), run=e.run)

    with Supervisor(config, on_event=store_event) as sup:   # starts a worker per enabled camera
        sup.health()["entrance"].analysis_fps
        sup.apply(new_config)                                # restarts only the cameras that changed

Each camera runs in its own "spawn" process (vigil.service.worker), so a crash or a hung
decoder in one camera never stalls another. A monitor thread drains every worker's queue
(events go to ``on_event``, log records to the parent's loggers, heartbeats into health)
and watches the processes:

- a worker that exits is restarted after a backoff that doubles from ``backoff_initial``
  up to ``backoff_max`` seconds, and falls back to the initial value once a worker has run
  ``stable_after`` seconds;
- a worker that sends no heartbeat for ``heartbeat_timeout`` seconds (``start_timeout``
  for the first, while the child imports; ``stop_timeout`` more once it said it is
  ending, as an interpreter's exit can take seconds on a busy machine), or whose frame loop
  makes no progress for ``stall_timeout`` (+ the camera's own ``timeout``) seconds while
  its source is not reconnecting, is hung: it is killed and restarted the same way;
- a file camera without ``loop`` that reaches its end is left finished.

Media files, preview frames, counts and heat go to ``on_message`` (one callback for the
four :data:`~vigil.service.health.WorkerMessage` types). ``set_viewers(camera, n)`` tells a
camera's worker how many people watch its preview (more previews a second while n > 0);
the count lives in shared memory made with the camera's slot, so it survives restarts.

Each worker has its own queue: a worker killed mid-write can only spoil its own.
``on_event``, ``on_message`` and the log handlers run on the monitor thread; keep them quick.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import queue as queue_mod
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as MpEvent
from types import TracebackType
from typing import Any, Self

from vigil.config.service import CameraConfig, ServiceConfig
from vigil.errors import CameraNotFoundError
from vigil.service.health import (
    CameraHealth,
    State,
    WorkerCounts,
    WorkerEvent,
    WorkerFailed,
    WorkerFrame,
    WorkerHeartbeat,
    WorkerHeat,
    WorkerMedia,
    WorkerMessage,
)
from vigil.service.worker import WorkerSettings, run_worker

log = logging.getLogger(__name__)

EventCallback = Callable[[WorkerEvent], None]
"""Receives each event with its camera, capture wall time and pipeline run (on the monitor thread)."""
MessageCallback = Callable[[WorkerMessage], None]
"""Receives each WorkerMedia, WorkerFrame, WorkerCounts and WorkerHeat (on the monitor thread)."""
CPU_WINDOW = 2.0
"""Seconds over which a worker's CPU use is measured."""


@dataclass(frozen=True, slots=True)
class SupervisorSettings:
    """Timings in seconds. ``stop_timeout``: how long a worker may take to stop before it is
    terminated (and as long again before it is killed)."""

    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    stable_after: float = 60.0
    start_timeout: float = 60.0
    heartbeat_timeout: float = 10.0
    stall_timeout: float = 20.0
    stop_timeout: float = 3.0
    poll_interval: float = 0.05
    worker: WorkerSettings = field(default_factory=WorkerSettings)

    def __post_init__(self) -> None:
        for name in ("backoff_initial", "backoff_max", "stable_after", "start_timeout", "heartbeat_timeout", "stall_timeout",
                     "stop_timeout", "poll_interval"):  # fmt: skip
            if not getattr(self, name) > 0:
                raise ValueError(f"supervisor {name} must be > 0 seconds, got {getattr(self, name)}")
        if self.heartbeat_timeout <= self.worker.heartbeat_interval:
            raise ValueError(
                f"supervisor heartbeat_timeout ({self.heartbeat_timeout} s) must exceed the worker's "
                f"heartbeat_interval ({self.worker.heartbeat_interval} s)"
            )


@dataclass(slots=True)
class _Slot:
    """One camera's worker and what the supervisor knows of it."""

    cfg: CameraConfig
    viewers: Synchronized[int] | None = None  # people watching the preview; shared with every worker of the slot
    proc: SpawnProcess | None = None
    queue: Queue[Any] | None = None
    stop: MpEvent | None = None
    started: float = 0.0  # monotonic
    last_message: float = 0.0  # monotonic
    beat: WorkerHeartbeat | None = None
    restarts: int = 0
    backoff: float = 0.0
    next_start: float | None = 0.0  # monotonic; None: do not start
    last_error: str | None = None
    stopping_since: float | None = None
    then: str = "restart"  # after stopping: "restart" or "remove"
    finished: bool = False
    failure: str | None = None  # what the current worker said before exiting
    last_frame_wall: float | None = None
    detected_total: int = 0
    analysed_total: int = 0
    reconnects_total: int = 0
    cpu_sample: tuple[float, float] | None = None  # (monotonic, worker CPU seconds) at the start of the window
    cpu_percent: float | None = None


def _cameras(config: ServiceConfig | Iterable[CameraConfig]) -> dict[str, CameraConfig]:
    cams = config.cameras if isinstance(config, ServiceConfig) else tuple(config)
    out: dict[str, CameraConfig] = {}
    for cam in cams:
        if cam.camera in out:
            raise ValueError(f"camera name {cam.camera!r} is used twice; names must be unique")
        if cam.enabled:
            out[cam.camera] = cam
    return out


class Supervisor:
    """Starts, watches and restarts one worker process per enabled camera (see module docstring)."""

    def __init__(
        self,
        config: ServiceConfig | Iterable[CameraConfig],
        *,
        on_event: EventCallback | None = None,
        settings: SupervisorSettings | None = None,
        on_message: MessageCallback | None = None,
    ) -> None:
        self.settings = settings or SupervisorSettings()
        self.on_event = on_event
        self.on_message = on_message
        self._ctx = mp.get_context("spawn")
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.RLock()
        self._halt = threading.Event()
        self._monitor: threading.Thread | None = None
        self._desired = _cameras(config)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start a worker per camera and the monitor thread (once)."""
        if self._monitor is not None:
            return
        with self._lock:
            for name, cfg in self._desired.items():
                self._slots[name] = self._new_slot(cfg)
        self._halt.clear()
        self._monitor = threading.Thread(target=self._run, name="vigil-supervisor", daemon=True)
        self._monitor.start()
        log.info("supervisor: %d camera(s)", len(self._desired))

    def stop(self) -> None:
        """Stop every worker (ask, then terminate, then kill) and the monitor thread."""
        if self._monitor is None:
            return
        self._halt.set()
        self._monitor.join()
        self._monitor = None
        with self._lock:
            slots = list(self._slots.values())
            for slot in slots:
                if slot.stop is not None:
                    slot.stop.set()
            deadline = time.monotonic() + self.settings.stop_timeout
            while any(s.proc is not None and s.proc.is_alive() for s in slots) and time.monotonic() < deadline:
                self._drain_all()
                time.sleep(self.settings.poll_interval)
            for slot in slots:
                self._drain(slot)
                self._reap(slot, force=True)
            self._slots.clear()
        log.info("supervisor: stopped")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- control -----------------------------------------------------------------------------

    def apply(self, config: ServiceConfig | Iterable[CameraConfig]) -> list[str]:
        """Make the running cameras match ``config``; returns the cameras (re)started or stopped.

        Unchanged cameras keep running untouched; a changed camera's worker is stopped and
        started again with the new config (its restart backoff reset); added cameras start;
        removed or disabled ones stop.
        """
        desired = _cameras(config)
        touched: list[str] = []
        with self._lock:
            self._desired = desired
            if self._monitor is None:
                return sorted(desired)
            for name, slot in self._slots.items():
                new = desired.get(name)
                if new is None:
                    if not (slot.stopping_since is not None and slot.then == "remove"):
                        self._begin_stop(slot, "remove")
                        touched.append(name)
                elif slot.stopping_since is not None and slot.then == "remove":  # removed, then back
                    slot.cfg = new
                    slot.then = "restart"
                    touched.append(name)
                elif new != slot.cfg:
                    slot.cfg = new
                    slot.backoff = self.settings.backoff_initial
                    slot.finished = False
                    self._begin_stop(slot, "restart")
                    slot.restarts += 1
                    slot.last_error = "config changed"
                    touched.append(name)
            for name, cfg in desired.items():
                if name not in self._slots:
                    self._slots[name] = self._new_slot(cfg)
                    touched.append(name)
        if touched:
            log.info("supervisor: config applied; cameras changed: %s", ", ".join(sorted(touched)))
        return sorted(touched)

    def set_viewers(self, camera: str, n: int) -> None:
        """Tell ``camera``'s worker that ``n`` clients watch its preview (0: nobody).

        While n > 0 the worker sends up to ``preview_fps`` frames a second, else one per
        ``preview_idle_s``. Raises CameraNotFoundError for a camera the supervisor does not run.
        """
        with self._lock:
            slot = self._slots.get(camera)
            if slot is None or slot.viewers is None:
                raise CameraNotFoundError(f"camera {camera!r}: not run by this supervisor; cannot set its viewers")
            slot.viewers.value = max(0, int(n))

    def viewers(self, camera: str) -> int:
        """How many clients watch ``camera``'s preview, as last set (0 for an unknown camera)."""
        with self._lock:
            slot = self._slots.get(camera)
            return int(slot.viewers.value) if slot is not None and slot.viewers is not None else 0

    def pids(self) -> dict[str, int | None]:
        """The current worker process id of each camera (None while none runs)."""
        with self._lock:
            return {
                name: s.proc.pid if s.proc is not None and s.proc.is_alive() else None for name, s in self._slots.items()
            }

    def health(self) -> dict[str, CameraHealth]:
        """Each camera's state, rates, lag, last frame time, restarts and last error."""
        with self._lock:
            return {name: self._health(slot) for name, slot in self._slots.items()}

    # -- monitor -----------------------------------------------------------------------------

    def _new_slot(self, cfg: CameraConfig) -> _Slot:
        return _Slot(cfg, viewers=self._ctx.Value("i", 0), backoff=self.settings.backoff_initial)

    def _run(self) -> None:
        while not self._halt.is_set():
            try:
                with self._lock:
                    self._tick()
            except Exception:  # never let the monitor die: the cameras depend on it
                log.exception("supervisor: monitor error")
            self._halt.wait(self.settings.poll_interval)

    def _tick(self) -> None:
        now = time.monotonic()
        for name in list(self._slots):
            slot = self._slots[name]
            self._drain(slot)
            if slot.stopping_since is not None:
                self._continue_stop(name, slot, now)
                continue
            if slot.proc is None:
                if slot.next_start is not None and now >= slot.next_start:
                    try:
                        self._spawn(slot)
                    except OSError as e:  # out of processes or memory: try again later
                        slot.last_error = f"cannot start a worker process: {e}"
                        log.error("%s: %s", name, slot.last_error)
                        slot.started = now
                        self._schedule_restart(slot, now)
                continue
            if not slot.proc.is_alive():
                self._on_exit(slot, now)
                continue
            hung = self._hung(slot, now)
            if hung is not None:
                log.warning("%s: worker %s is hung (%s); killing it", name, slot.proc.pid, hung)
                slot.proc.kill()
                slot.last_error = hung
                self._reap(slot, force=True)
                self._schedule_restart(slot, now)

    def _hung(self, slot: _Slot, now: float) -> str | None:
        s = self.settings
        beat = slot.beat
        if beat is None:  # the child is still importing: no heartbeat thread yet
            if now - slot.started > s.start_timeout:
                return f"no heartbeat {now - slot.started:.1f} s after starting"
            return None
        silent = now - slot.last_message
        if slot.failure is not None or beat.phase == "finished":  # it said it is ending: give its exit time
            if silent > s.heartbeat_timeout + s.stop_timeout:
                return f"no exit {silent:.1f} s after its last message"
            return None
        if silent > s.heartbeat_timeout:
            return f"no heartbeat for {silent:.1f} s"
        if beat.phase == "loading":  # model loading (maybe a download) has no stall limit
            return None
        limit = s.stall_timeout + slot.cfg.timeout
        reconnecting = beat.phase == "running" and not beat.source_online
        if beat.stalled_for > limit and not reconnecting:
            where = "opening the source" if beat.phase == "opening" else "reading frames"
            return f"no progress {where} for {beat.stalled_for:.1f} s"
        return None

    def _spawn(self, slot: _Slot) -> None:
        cfg = slot.cfg
        q: Queue[Any] = self._ctx.Queue()
        stop = self._ctx.Event()
        worker = self.settings.worker
        level = logging.getLogger().getEffectiveLevel()
        worker = dataclasses.replace(worker, log_level=level, forward_logs=True, parent_pid=os.getpid())
        proc = self._ctx.Process(
            target=run_worker, args=(cfg, q, stop, worker, slot.viewers), name=f"vigil-camera-{cfg.camera}", daemon=True
        )
        proc.start()
        slot.proc, slot.queue, slot.stop = proc, q, stop
        slot.started = slot.last_message = time.monotonic()
        slot.beat = None
        slot.failure = None
        slot.next_start = None
        slot.cpu_sample = None
        slot.cpu_percent = None
        log.info("%s: worker %s started", cfg.camera, proc.pid)

    def _on_exit(self, slot: _Slot, now: float) -> None:
        proc = slot.proc
        assert proc is not None
        code = proc.exitcode
        if code is not None and code >= 0:  # a worker killed by a signal may have left a torn message
            self._drain(slot)
        finished = code == 0 and slot.beat is not None and slot.beat.phase in ("running", "finished")
        self._reap(slot, force=False)
        if finished and not slot.cfg.loop:
            log.info("%s: source ended; camera finished", slot.cfg.camera)
            slot.finished = True
            return
        if slot.failure is not None:
            slot.last_error = slot.failure
        elif code is not None and code < 0:
            slot.last_error = f"worker killed by signal {-code}"
        else:
            slot.last_error = f"worker exited with code {code}"
        log.warning("%s: %s", slot.cfg.camera, slot.last_error)
        self._schedule_restart(slot, now)

    def _schedule_restart(self, slot: _Slot, now: float) -> None:
        s = self.settings
        ran = now - slot.started
        if ran >= s.stable_after:
            slot.backoff = s.backoff_initial
        slot.next_start = now + slot.backoff
        log.info("%s: restarting in %.1f s", slot.cfg.camera, slot.backoff)
        slot.backoff = min(s.backoff_max, slot.backoff * 2.0)
        slot.restarts += 1

    def _begin_stop(self, slot: _Slot, then: str) -> None:
        slot.then = then
        if slot.proc is None:
            slot.stopping_since = time.monotonic()
            return
        if slot.stop is not None:
            slot.stop.set()
        slot.stopping_since = time.monotonic()

    def _continue_stop(self, name: str, slot: _Slot, now: float) -> None:
        assert slot.stopping_since is not None
        proc = slot.proc
        waited = now - slot.stopping_since
        if proc is not None and proc.is_alive():
            if waited > 2 * self.settings.stop_timeout:
                proc.kill()
            elif waited > self.settings.stop_timeout:
                proc.terminate()
            return
        self._reap(slot, force=True)
        slot.stopping_since = None
        if slot.then == "remove":
            del self._slots[name]
            log.info("%s: camera removed", name)
        elif slot.then == "restart":
            slot.next_start = now  # a config change: start at once
            slot.beat = None

    def _reap(self, slot: _Slot, *, force: bool) -> None:
        """Forget the worker process (terminate, then kill, if ``force`` and it still runs)."""
        proc, q = slot.proc, slot.queue
        if proc is not None:
            if force and proc.is_alive():
                proc.terminate()
                proc.join(self.settings.stop_timeout)
                if proc.is_alive():
                    proc.kill()
            proc.join(self.settings.stop_timeout)
            if not proc.is_alive():
                proc.close()
        if slot.beat is not None:
            slot.detected_total += slot.beat.frames_detected
            slot.analysed_total += slot.beat.frames_analysed
            slot.reconnects_total += slot.beat.reconnects
        if q is not None:
            q.cancel_join_thread()
            q.close()
        slot.proc = slot.queue = slot.stop = None
        slot.beat = None

    # -- messages ----------------------------------------------------------------------------

    def _drain_all(self) -> None:
        for slot in list(self._slots.values()):
            self._drain(slot)

    def _drain(self, slot: _Slot) -> None:
        q = slot.queue
        if q is None:
            return
        for _ in range(10_000):
            try:
                msg = q.get_nowait()
            except queue_mod.Empty:
                return
            except (EOFError, OSError, ValueError) as e:  # a killed worker may leave a torn message
                log.debug("%s: queue unreadable: %s", slot.cfg.camera, e)
                return
            self._handle(slot, msg)

    def _handle(self, slot: _Slot, msg: object) -> None:
        slot.last_message = time.monotonic()
        if isinstance(msg, WorkerHeartbeat):
            slot.beat = msg
            if msg.last_frame_wall is not None:
                slot.last_frame_wall = msg.last_frame_wall
            self._cpu(slot, msg)
        elif isinstance(msg, WorkerMedia | WorkerFrame | WorkerCounts | WorkerHeat):
            if self.on_message is not None:
                try:
                    self.on_message(msg)
                except Exception:
                    log.exception("%s: message handler failed for %s", msg.camera, type(msg).__name__)
        elif isinstance(msg, WorkerEvent):
            if self.on_event is not None:
                try:
                    self.on_event(msg)
                except Exception:
                    log.exception("%s: event handler failed for %s", msg.camera, msg.event.kind)
        elif isinstance(msg, WorkerFailed):
            slot.failure = msg.error
        elif isinstance(msg, logging.LogRecord):
            logger = logging.getLogger(msg.name)
            if logger.isEnabledFor(msg.levelno):
                logger.handle(msg)
        else:
            log.warning("%s: unexpected message %s from worker", slot.cfg.camera, type(msg).__name__)

    @staticmethod
    def _cpu(slot: _Slot, beat: WorkerHeartbeat) -> None:
        """CPU use from the CPU time heartbeats report, over about CPU_WINDOW seconds."""
        if beat.cpu_time is None:
            return
        now = time.monotonic()
        if slot.cpu_sample is None:
            slot.cpu_sample = (now, beat.cpu_time)
            return
        t0, cpu0 = slot.cpu_sample
        if now - t0 >= CPU_WINDOW:
            slot.cpu_percent = max(0.0, 100.0 * (beat.cpu_time - cpu0) / (now - t0))
            slot.cpu_sample = (now, beat.cpu_time)

    def _health(self, slot: _Slot) -> CameraHealth:
        beat = slot.beat
        alive = slot.proc is not None and slot.proc.is_alive()
        state: State
        if slot.finished:
            state = "finished"
        elif slot.proc is None and slot.next_start is None and slot.stopping_since is None:
            state = "stopped"
        elif not alive or slot.stopping_since is not None:
            state = "restarting"
        elif beat is None or beat.phase in ("loading", "opening"):
            state = "starting"
        elif beat.phase == "running" and beat.source_online:
            state = "online"
        else:
            state = "offline"
        detected = slot.detected_total + (beat.frames_detected if beat else 0)
        analysed = slot.analysed_total + (beat.frames_analysed if beat else 0)
        live = beat is not None and alive
        return CameraHealth(
            camera=slot.cfg.camera,
            state=state,
            pid=slot.proc.pid if alive and slot.proc is not None else None,
            input_fps=beat.input_fps if live and beat else 0.0,
            analysis_fps=beat.analysis_fps if live and beat else 0.0,
            detect_fps=beat.detect_fps if live and beat else 0.0,
            gated_fraction=1.0 - detected / analysed if analysed else 0.0,
            lag=beat.lag if live and beat else None,
            last_frame_wall=slot.last_frame_wall,
            restarts=slot.restarts,
            last_error=slot.last_error,
            reconnects=slot.reconnects_total + (beat.reconnects if beat else 0),
            cpu_percent=slot.cpu_percent if alive else None,
        )
