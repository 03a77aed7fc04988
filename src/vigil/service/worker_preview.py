"""Live preview frames of a camera worker: cheap while nobody watches.

``observe(frame, tracks, wall)`` once per analysed frame keeps each track's recent foot
points (a few microseconds); it returns a :class:`WorkerFrame` at most once per
``idle_s`` seconds, or up to ``fps`` a second while the shared ``viewers`` count is above
zero. Only then is the frame redacted (the recording's privacy redaction), scaled down
to at most ``max_width`` pixels wide and JPEG-encoded. The image is not annotated: the
web UI draws boxes and trails from the normalised coordinates sent with it.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.sharedctypes import Synchronized

import cv2
import numpy as np

from vigil.detect.classes import class_name
from vigil.recording.redact import Redactor
from vigil.service.health import PreviewTrack, WorkerFrame
from vigil.types import Frame, Image, Tracks

log = logging.getLogger(__name__)

MAX_WIDTH = 960
JPEG_QUALITY = 75
TRAIL_SECONDS = 3.0
TRAIL_POINTS = 32


class PreviewSender:
    """Decides when a preview frame is due and builds it. See the module docstring.

    redactor: what recordings hide (None: nothing). clock: monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        camera: str,
        *,
        idle_s: float = 1.0,
        fps: float = 5.0,
        viewers: Synchronized[int] | None = None,
        redactor: Redactor | None = None,
        max_width: int = MAX_WIDTH,
        quality: int = JPEG_QUALITY,
        trail_seconds: float = TRAIL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not idle_s > 0 or not fps > 0:
            raise ValueError(f"camera {camera}: preview idle_s and fps must be > 0, got {idle_s} and {fps}")
        self.camera = camera
        self.idle_s = idle_s
        self.fps = fps
        self.viewers = viewers
        self.redactor = redactor if redactor is not None and redactor.active else None
        self.max_width = max_width
        self.quality = quality
        self.trail_seconds = trail_seconds
        self.clock = clock
        self._trails: dict[int, deque[tuple[float, float, float]]] = {}
        self._slot = -float("inf")  # when the last preview was due (its schedule, not its frame's time)
        self.sent = 0

    @property
    def interval(self) -> float:
        """Seconds between preview frames now."""
        watched = self.viewers is not None and self.viewers.value > 0
        return 1.0 / self.fps if watched else self.idle_s

    def observe(self, frame: Frame, tracks: Tracks, wall: float) -> WorkerFrame | None:
        """Note the tracks of this frame; return a preview frame when one is due."""
        w, h = frame.width, frame.height
        self._remember(tracks, frame.pts, w, h)
        now = self.clock()
        interval = self.interval
        if now < self._slot + interval:
            return None
        # keep to the schedule while frames come on time (jitter must not halve the rate); start anew after a gap
        self._slot = self._slot + interval if now < self._slot + 2.0 * interval else now
        encoded = self._encode(frame.image, tracks)
        if encoded is None:
            return None
        jpeg, jw, jh = encoded
        self.sent += 1
        return WorkerFrame(self.camera, jpeg, wall, jw, jh, self._tracks(tracks, w, h))

    def _remember(self, tracks: Tracks, t: float, w: int, h: int) -> None:
        alive = set()
        for tid, (x1, _, x2, y2) in zip(tracks.track_ids.tolist(), tracks.xyxy.tolist(), strict=True):
            trail = self._trails.get(tid)
            if trail is None:
                trail = self._trails[tid] = deque(maxlen=TRAIL_POINTS)
            trail.append((t, (x1 + x2) * 0.5 / w, y2 / h))
            while trail[0][0] < t - self.trail_seconds:
                trail.popleft()
            alive.add(tid)
        for tid in [k for k in self._trails if k not in alive]:
            del self._trails[tid]

    def _tracks(self, tracks: Tracks, w: int, h: int) -> tuple[PreviewTrack, ...]:
        out = []
        for tid, cls, (x1, y1, x2, y2) in zip(
            tracks.track_ids.tolist(), tracks.class_ids.tolist(), tracks.xyxy.tolist(), strict=True
        ):
            trail = tuple((round(x, 4), round(y, 4)) for _, x, y in self._trails.get(tid, ()))
            out.append(PreviewTrack(
                int(tid), class_name(int(cls)),
                _unit(x1 / w), _unit(y1 / h), _unit(x2 / w), _unit(y2 / h), trail,
            ))  # fmt: skip
        return tuple(out)

    def _encode(self, image: Image, tracks: Tracks) -> tuple[bytes, int, int] | None:
        if self.redactor is not None:
            image = self.redactor.apply(image, tracks)
        h, w = image.shape[:2]
        if w > self.max_width:
            nh = max(1, round(h * self.max_width / w))
            image = np.asarray(cv2.resize(image, (self.max_width, nh), interpolation=cv2.INTER_AREA), np.uint8)
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:  # a preview is not worth stopping the camera for
            log.error("%s: cannot encode a %dx%d preview frame as JPEG; skipped", self.camera, w, h)
            return None
        return buf.tobytes(), image.shape[1], image.shape[0]


def _unit(v: float) -> float:
    return round(min(1.0, max(0.0, v)), 4)
