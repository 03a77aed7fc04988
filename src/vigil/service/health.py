"""What a camera worker tells the supervisor, and what the supervisor reports per camera.

Workers send typed messages over their own multiprocessing queue:

    WorkerHeartbeat   every ``heartbeat_interval`` seconds, from a thread of the worker:
                      phase, rates, lag, source state, and how long the frame loop has
                      made no progress (a hung decoder shows there)
    WorkerEvent       one behaviour event from the camera's pipeline
    WorkerFailed      the worker is exiting on an error (then the process ends)
    logging.LogRecord the worker's log lines, handled by the parent's loggers

The supervisor turns them into one :class:`CameraHealth` per camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vigil.types import Event

Phase = Literal["loading", "opening", "running", "finished"]
State = Literal["starting", "online", "offline", "restarting", "finished", "stopped"]


@dataclass(frozen=True, slots=True)
class WorkerHeartbeat:
    """A worker's state, sent periodically.

    phase: loading (building detector and pipeline), opening (the source), running, finished.
    stalled_for: seconds since the frame loop last made progress (a frame read or a phase
    change). source_online: the source is delivering frames (a live source that is
    reconnecting reports False). frames_in: frames decoded; frames_analysed: frames run
    through tracker and rules; frames_detected: frames the detector ran on (the rest were
    motion-gated). Rates are frames per second over the last few seconds. lag: wall-clock
    seconds between a frame's capture and the end of its analysis (latest frame).
    last_frame_wall: time.time() of the latest analysed frame's capture.
    """

    camera: str
    pid: int
    phase: Phase
    stalled_for: float
    source_online: bool
    frames_in: int
    frames_analysed: int
    frames_detected: int
    input_fps: float
    analysis_fps: float
    detect_fps: float
    lag: float | None
    last_frame_wall: float | None
    reconnects: int = 0
    source_error: str | None = None


@dataclass(frozen=True, slots=True)
class WorkerEvent:
    """A behaviour event from a camera's pipeline.

    wall: time.time() of its frame's capture. run: names this worker's pipeline run
    (stream time restarts at 0 with each worker): pass it to ``EventStore.record(run=...)``
    so event ids of different runs never collide.
    """

    camera: str
    event: Event
    wall: float
    run: str


@dataclass(frozen=True, slots=True)
class WorkerFailed:
    """The worker stops on ``error`` (the message names the input and what is wrong)."""

    camera: str
    pid: int
    error: str


@dataclass(frozen=True, slots=True)
class CameraHealth:
    """One camera as the supervisor sees it.

    state: starting (worker loading or opening its source), online (frames flowing),
    offline (worker running but no frames: stream down, reconnecting), restarting (the
    worker died or hung and waits out its backoff), finished (a non-looping file ended),
    stopped. input_fps / analysis_fps / detect_fps: frames per second decoded, analysed
    (tracker and rules) and detected (not motion-gated). gated_fraction: share of analysed
    frames whose detection was skipped since the worker started. lag: seconds from capture
    to the end of analysis. last_frame_wall: time.time() of the latest analysed frame.
    restarts: worker restarts since the supervisor started it (crashes, hangs, config
    changes). last_error: the latest reason for a restart, or None.
    """

    camera: str
    state: State
    pid: int | None
    input_fps: float
    analysis_fps: float
    detect_fps: float
    gated_fraction: float
    lag: float | None
    last_frame_wall: float | None
    restarts: int
    last_error: str | None
    reconnects: int = 0

    @property
    def online(self) -> bool:
        return self.state == "online"
