"""annotated.mp4: frames with tracks, trails, header, event banners, zones and lines, as browser-playable H.264."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from vigil.output.annotate import Annotator
from vigil.output.encoder import H264Writer
from vigil.output.scene import SceneGeometry
from vigil.types import Event, Frame, Tracks


class AnnotatedVideoWriter:
    """Draws each frame (:class:`Annotator`) and encodes it (:class:`H264Writer`).

    Drawing runs in the caller's thread; encoding in a background thread behind a
    bounded queue. Each frame keeps its source time, so variable frame rates and
    analysis at a reduced rate (``--fps``) play back at real speed.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        fps: float | None = None,
        *,
        camera: str = "",
        trail_seconds: float = 2.0,
        crf: int = 26,
        preset: str = "veryfast",
        scene: SceneGeometry | None = None,
    ) -> None:
        self.path = Path(path)
        self.annotator = Annotator(camera=camera, trail_seconds=trail_seconds, scene=scene)
        self._encoder = H264Writer(self.path, width, height, fps, crf=crf, preset=preset)
        self.frames = 0
        self.draw_seconds = 0.0

    def write(self, frame: Frame, tracks: Tracks, events: Sequence[Event] = ()) -> None:
        """Annotate and queue one frame; ``events`` are those this frame produced."""
        t0 = time.perf_counter()
        image = self.annotator.draw(frame, tracks, events)
        self.draw_seconds += time.perf_counter() - t0
        self._encoder.write(image, frame.pts)
        self.frames += 1

    @property
    def encode_seconds(self) -> float:
        """Seconds the background thread spent converting and encoding."""
        return self._encoder.encode_seconds

    def close(self) -> None:
        self._encoder.close()

    def __enter__(self) -> AnnotatedVideoWriter:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
