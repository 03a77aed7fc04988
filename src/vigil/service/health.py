"""What a camera worker tells the supervisor, and what the supervisor reports per camera.

Workers send typed messages over their own multiprocessing queue:

    WorkerHeartbeat   every ``heartbeat_interval`` seconds, from a thread of the worker:
                      phase, rates, lag, source state, and how long the frame loop has
                      made no progress (a hung decoder shows there)
    WorkerEvent       one behaviour event from the camera's pipeline, with its stable id
    WorkerMedia       a finished clip, snapshot or segment file (after the event it belongs to)
    WorkerFrame       a preview JPEG with the tracks to draw over it
    WorkerCounts      people per zone and in view, line crossing totals
    WorkerHeat        where people stood: foot points counted on a grid
    WorkerFailed      the worker is exiting on an error (then the process ends)
    logging.LogRecord the worker's log lines, handled by the parent's loggers

The supervisor turns heartbeats into one :class:`CameraHealth` per camera, hands events
to its ``on_event`` and media, frames, counts and heat (:data:`WorkerMessage`) to its
``on_message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

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
    cpu_time: float | None = None
    """CPU seconds (user + system, all threads) the worker process has used so far."""


@dataclass(frozen=True, slots=True)
class WorkerEvent:
    """A behaviour event from a camera's pipeline.

    wall: time.time() of its frame's capture. run: names this worker's pipeline run
    (stream time restarts at 0 with each worker): pass it to ``EventStore.record(run=...)``
    so event ids of different runs never collide. eid: the event's stable id, computed in
    the worker by the store's own rule (vigil.service.identity); pass it to
    ``EventStore.record(event_id=...)``; media of the event name the same id.
    """

    camera: str
    event: Event
    wall: float
    run: str
    eid: str = ""


MediaKind = Literal["snapshot", "clip", "segment"]


@dataclass(frozen=True, slots=True)
class WorkerMedia:
    """A finished media file of a camera.

    eid: the event it belongs to (None for a continuous segment); the WorkerEvent that
    started it was sent earlier on the same queue. path: relative to the worker's data
    directory, '/' separators (what ``EventStore.attach_media`` takes). started_at /
    ended_at: wall-clock times (UTC) of its first and last frame (equal for a snapshot).
    """

    camera: str
    eid: str | None
    kind: MediaKind
    path: str
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class PreviewTrack:
    """One tracked object of a preview frame, in coordinates normalised to [0, 1] of the image.

    id: track id. label: COCO class name. x1..y2: the box. trail: its recent foot points
    (bottom centre of the box), oldest first, the current one last.
    """

    id: int
    label: str
    x1: float
    y1: float
    x2: float
    y2: float
    trail: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class WorkerFrame:
    """A live preview: the camera image (redacted as recordings are, not annotated) as JPEG.

    wall: time.time() of its capture. width/height: the JPEG's size in pixels (at most
    960 wide). tracks: what the UI draws over it.
    """

    camera: str
    jpeg: bytes
    wall: float
    width: int
    height: int
    tracks: tuple[PreviewTrack, ...] = ()


@dataclass(frozen=True, slots=True)
class LineTotal:
    """Crossings of ``line`` counted by one line_crossing rule since the worker started."""

    line: str
    inbound: int
    outbound: int


@dataclass(frozen=True, slots=True)
class WorkerCounts:
    """People now in each zone (by zone name) and in the whole frame (key ``"_all"``).

    wall: time.time() of the frame counted. lines: line_crossing rule name -> totals
    since the worker started (they restart at 0 with the worker).
    """

    camera: str
    wall: float
    counts: dict[str, int]
    lines: dict[str, LineTotal] = field(default_factory=dict)


ALL = "_all"
"""The ``WorkerCounts.counts`` key of people in the whole frame."""


@dataclass(frozen=True, slots=True)
class WorkerHeat:
    """Where people stood: person foot points (bottom centre of the box) counted per cell.

    The frame is divided into ``grid_w`` x ``grid_h`` cells; ``cells`` holds one count per
    cell, row-major from the top-left, as little-endian uint32 (``array()`` decodes it);
    each analysed frame adds one per person. wall: time.time() of the last frame counted;
    since: time.time() of the first (the counts cover since..wall, not earlier messages).
    """

    camera: str
    wall: float
    grid_w: int
    grid_h: int
    cells: bytes
    since: float = 0.0

    def array(self) -> npt.NDArray[np.uint32]:
        """The counts as a (grid_h, grid_w) array."""
        return np.frombuffer(self.cells, dtype="<u4").reshape(self.grid_h, self.grid_w).astype(np.uint32)


WorkerMessage = WorkerMedia | WorkerFrame | WorkerCounts | WorkerHeat
"""What the supervisor hands to ``on_message``."""


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
    changes). last_error: the latest reason for a restart, or None. cpu_percent: the
    worker process's CPU use over the last seconds (100 = one core busy), from the CPU
    time the worker reports in its heartbeats; None until known.
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
    cpu_percent: float | None = None

    @classmethod
    def idle(cls, camera: str, state: State, last_error: str | None = None) -> CameraHealth:
        """A camera with no worker figures (not running, or a test's)."""
        return cls(
            camera=camera, state=state, pid=None, input_fps=0.0, analysis_fps=0.0, detect_fps=0.0,
            gated_fraction=0.0, lag=None, last_frame_wall=None, restarts=0, last_error=last_error,
        )  # fmt: skip

    @property
    def online(self) -> bool:
        return self.state == "online"
