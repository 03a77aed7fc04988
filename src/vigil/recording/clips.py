"""Event clips with pre/post roll, and event snapshots, for one camera.

``push(frame, tracks, events)`` once per frame, with the events raised at that frame
(each with the id the event store gave it). Every frame is redacted, annotated and
kept in the pre-roll buffer. An event start opens a clip holding the buffered frames
from ``started - pre_roll`` on; the clip goes on until ``post_roll`` after the last of
its events ended. Events that start while a clip is open (post-roll included) join it.
A clip never exceeds ``max_clip``: a longer event continues in a new clip
(``<id>-2.mp4``, ...). Files go to::

    <data_dir>/clips/<camera>/<YYYY-MM-DD>/<event id>.mp4        the clip (H.264, browser-playable)
    <data_dir>/clips/<camera>/<YYYY-MM-DD>/<event id>.jpg        annotated snapshot at the event's start
    <data_dir>/clips/<camera>/<YYYY-MM-DD>/<event id>-best.jpg   the frame of the event's highest confidence

(the date is the UTC day of the clip's start). Each finished file is reported through
``on_media`` (the serve worker calls ``EventStore.attach_media``), once per event it
holds, on the recorder's writer thread. Errors never escape ``push``: a full disk
pauses recording (health ``disk_full``) until space returns; another failure drops
that file (health ``error``).

``push`` does the cheap part (redaction, annotation, one JPEG encode for the pre-roll
buffer, ~2-6 ms a 768x576 frame); decoding and H.264 encoding run on a writer thread
(:mod:`vigil.recording.writer`), so an event start does not stall the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from vigil.config.recording import RecordingConfig
from vigil.errors import OutputError
from vigil.output.annotate import Annotator
from vigil.recording.base import RecorderHealth, WallClock, safe_name
from vigil.recording.disk import GB, DiskGuard
from vigil.recording.media import (
    MediaCallback,
    VideoWriterFactory,
    WriteBytes,
    encode_jpeg,
    h264_factory,
    write_bytes_atomic,
)
from vigil.recording.preroll import BufferedFrame, PrerollBuffer
from vigil.recording.redact import Redactor
from vigil.recording.writer import ClipWriter, FinishClip, OpenClip, Snapshot
from vigil.types import Event, Frame, Image, Tracks

log = logging.getLogger(__name__)

CLIPS_DIR = "clips"
RETRY_SECONDS = 10.0
"""After a failure other than a full disk, the next file is tried this many seconds (stream time) later."""


@dataclass(slots=True)
class _Clip:
    name: str  # file stem: the first event's id
    day: str
    event_ids: list[str]
    open_ids: set[str]
    since: float | None  # the pre-roll still to hand over: buffered frames from this time on
    part: int = 1
    end_at: float | None = None  # when every event has ended: the last end + post_roll
    part_start: float | None = None  # stream time of the current part's first frame; None: no part open
    token: int = -1  # the writer's name for the current part


@dataclass(slots=True)
class _Best:
    confidence: float
    pts: float
    image: Image
    start_pts: float
    day: str


class ClipRecorder:
    """Clips and snapshots of one camera's events. See the module docstring.

    annotator: draws on stored frames when ``annotate_clips`` is on (default: a plain
        :class:`Annotator`; pass one with the camera's scene to show zones). It keeps
        trails, so it must be this recorder's own, not shared with a live view.
    clock: maps stream time to wall-clock time (default: pts of the first frame = now).
    fps: nominal frame rate, a hint for the encoder.
    writer_factory, write_bytes, disk: injectable for tests (video encoder, file writer,
        free-space checks).
    """

    def __init__(
        self,
        camera: str,
        data_dir: str | Path,
        config: RecordingConfig,
        on_media: MediaCallback,
        *,
        annotator: Annotator | None = None,
        clock: WallClock | None = None,
        fps: float | None = None,
        writer_factory: VideoWriterFactory | None = None,
        write_bytes: WriteBytes = write_bytes_atomic,
        disk: DiskGuard | None = None,
    ) -> None:
        self.camera = camera
        self.data_dir = Path(data_dir)
        self.config = config
        self.clock = clock or WallClock()
        self.redactor = Redactor(config.redaction)
        if annotator is None and config.annotate_clips:
            annotator = Annotator(camera=camera)
        self.annotator = annotator
        self.buffer = PrerollBuffer(
            config.pre_roll, int(config.preroll_max_mb * 1024 * 1024), quality=config.buffer_quality
        )
        self.disk = disk or DiskGuard(self.data_dir, int(config.retention.min_free_gb * GB / 2), camera=camera)
        self._writer = ClipWriter(
            camera, self.data_dir, on_media, self.clock, fps=fps, factory=writer_factory or h264_factory(config.encoder_preset), write_bytes=write_bytes,
            disk=self.disk,
        )  # fmt: skip
        self._clip: _Clip | None = None
        self._best: dict[str, _Best] = {}
        self._tokens = 0
        self._retry_at = -float("inf")
        self._closed = False

    # -- the per-frame verb ---------------------------------------------------------------

    def push(self, frame: Frame, tracks: Tracks | None = None, events: Sequence[tuple[str, Event]] = ()) -> None:
        """Record one frame and react to the events (id, event) raised at it. Never raises for I/O."""
        if self._closed or not self.config.enabled:
            return
        stored = self._prepare(frame, tracks, [ev for _, ev in events])
        current = self.buffer.append(stored, frame.pts)
        self._check_failures(frame.pts)
        for eid, ev in events:
            if ev.phase in ("start", "instant"):
                self._on_start(eid, ev, stored, frame.pts)
            if ev.phase == "update":
                self._on_update(eid, ev, stored, frame.pts)
            if ev.phase in ("end", "instant"):
                self._on_end(eid, ev)
        self._advance(current, stored)

    def _prepare(self, frame: Frame, tracks: Tracks | None, events: Sequence[Event]) -> Image:
        """The image as stored: redacted first, then annotated (boxes stay visible over blurred people)."""
        image = self.redactor.apply(frame.image, tracks)
        if self.annotator is not None:
            shown = tracks if tracks is not None else Tracks.empty()
            image = self.annotator.draw(Frame(image, frame.index, frame.pts), shown, events)
        return image

    def _check_failures(self, pts: float) -> None:
        """A part the writer thread could not write is over: what follows goes to a new part."""
        clip = self._clip
        if clip is None or clip.part_start is None or self._writer.failed_token != clip.token:
            return
        clip.part_start = None
        clip.part += 1
        if not self.disk.full:
            self._retry_at = pts + RETRY_SECONDS

    # -- events ---------------------------------------------------------------------------

    def _on_start(self, eid: str, ev: Event, image: Image, pts: float) -> None:
        onset = ev.started if ev.started is not None else ev.t
        day = self.clock.at(onset).strftime("%Y-%m-%d")
        clip = self._clip
        if clip is None:
            self._clip = _Clip(safe_name(eid), day, [eid], {eid}, since=onset - self.config.pre_roll)
        elif eid not in clip.event_ids:
            clip.event_ids.append(eid)
            clip.open_ids.add(eid)
            clip.end_at = None
        self._best[eid] = _Best(ev.confidence, pts, image.copy(), pts, day)
        self._snapshot(eid, image, pts, day, "")

    def _on_update(self, eid: str, ev: Event, image: Image, pts: float) -> None:
        best = self._best.get(eid)
        if best is not None and ev.confidence > best.confidence:
            best.confidence, best.pts, best.image = ev.confidence, pts, image.copy()

    def _on_end(self, eid: str, ev: Event) -> None:
        best = self._best.pop(eid, None)
        if best is not None and best.pts != best.start_pts:
            self._snapshot(eid, best.image, best.pts, best.day, "-best")
        clip = self._clip
        if clip is None or eid not in clip.open_ids:
            return
        clip.open_ids.discard(eid)
        if not clip.open_ids:
            clip.end_at = ev.t + self.config.post_roll

    # -- video ----------------------------------------------------------------------------

    def _clip_path(self, clip: _Clip) -> Path:
        stem = clip.name if clip.part == 1 else f"{clip.name}-{clip.part}"
        return self.data_dir / CLIPS_DIR / safe_name(self.camera) / clip.day / f"{stem}.mp4"

    def _advance(self, current: BufferedFrame, image: Image) -> None:
        """Hand the current frame (and, at a clip's start, its pre-roll) to the writer; close parts and clips."""
        clip = self._clip
        if clip is None:
            return
        pts = current.pts
        if clip.part_start is not None and pts - clip.part_start >= self.config.max_clip:
            self._finish_part(clip)  # capped: the rest goes to the next part
            if not clip.open_ids:  # only post-roll was left
                self._clip = None
                return
        if clip.end_at is not None and pts > clip.end_at:
            self._finish_part(clip)
            self._clip = None
            return
        if clip.part_start is None:
            if pts < self._retry_at or not self.disk.may_write(pts):
                return
            frames = list(self.buffer.since(clip.since)) if clip.since is not None else [current]
            clip.since = None
            h, w = image.shape[:2]
            clip.token = self._tokens = self._tokens + 1
            self._writer.put(OpenClip(clip.token, self._clip_path(clip), w, h))
            clip.part_start = frames[0].pts
            for f in frames:
                self._writer.put(f)
        else:
            self._writer.put(current)

    def _finish_part(self, clip: _Clip) -> None:
        if clip.part_start is not None:
            self._writer.put(FinishClip(tuple(clip.event_ids)))
            clip.part_start = None
            clip.part += 1

    # -- snapshots ------------------------------------------------------------------------

    def _snapshot(self, eid: str, image: Image, pts: float, day: str, suffix: str) -> None:
        if not self.disk.may_write(pts):
            return
        path = self.data_dir / CLIPS_DIR / safe_name(self.camera) / day / f"{safe_name(eid)}{suffix}.jpg"
        try:
            jpeg = encode_jpeg(image, self.config.snapshot_quality, str(path))
        except OutputError as e:
            log.error("camera %s: %s", self.camera, e)
            return
        self._writer.put(Snapshot(eid, path, jpeg, pts, self.clock.at(pts)))

    # -- lifecycle ------------------------------------------------------------------------

    def flush(self) -> None:
        """Wait until the writer thread has written everything handed to it so far."""
        self._writer.flush()

    def health(self) -> RecorderHealth:
        files = self._writer.files
        recording = self._clip is not None and self._clip.part_start is not None
        if self._closed:
            return RecorderHealth("stopped", None, files, False)
        if self.disk.full:
            return RecorderHealth("disk_full", f"{self.data_dir}: disk full, recording paused", files, False)
        error = self._writer.error
        if error is not None:
            return RecorderHealth("error", error, files, recording)
        return RecorderHealth("ok", None, files, recording)

    def close(self) -> None:
        """Finish the open clip where the stream stopped (a shorter post-roll), write what is queued, stop."""
        if self._closed:
            return
        if self._clip is not None:
            self._finish_part(self._clip)
            self._clip = None
        self._writer.close()
        self._best.clear()
        self.buffer.clear()
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
