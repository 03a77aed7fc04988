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
holds. Errors never escape ``push``: a full disk pauses recording (health
``disk_full``) until space returns; another failure drops that file (health ``error``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from vigil.config.recording import RecordingConfig
from vigil.errors import OutputError
from vigil.output.annotate import Annotator
from vigil.recording.base import RecorderHealth, WallClock, safe_name
from vigil.recording.disk import GB, DiskGuard, is_disk_full
from vigil.recording.media import (
    MediaCallback,
    MediaFile,
    VideoFile,
    VideoWriterFactory,
    WriteBytes,
    encode_jpeg,
    h264_writer,
    write_bytes_atomic,
)
from vigil.recording.preroll import PrerollBuffer
from vigil.recording.redact import Redactor
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
    part: int = 1
    end_at: float | None = None  # when every event has ended: the last end + post_roll
    video: VideoFile | None = None


@dataclass(slots=True)
class _Best:
    confidence: float
    pts: float
    image: Image
    start_pts: float
    day: str
    written: set[float] = field(default_factory=set)


class ClipRecorder:
    """Clips and snapshots of one camera's events. See the module docstring."""

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
        writer_factory: VideoWriterFactory = h264_writer,
        write_bytes: WriteBytes = write_bytes_atomic,
        disk: DiskGuard | None = None,
    ) -> None:
        self.camera = camera
        self.data_dir = Path(data_dir)
        self.config = config
        self.on_media = on_media
        self.fps = fps
        self.clock = clock or WallClock()
        self.redactor = Redactor(config.redaction)
        self.annotator = annotator if annotator is not None else (
            Annotator(camera=camera) if config.annotate_clips else None
        )
        self.buffer = PrerollBuffer(
            config.pre_roll, int(config.preroll_max_mb * 1024 * 1024), quality=config.buffer_quality
        )
        self.disk = disk or DiskGuard(
            self.data_dir, int(config.retention.min_free_gb * GB / 2), camera=camera
        )
        self._factory = writer_factory
        self._write_bytes = write_bytes
        self._clip: _Clip | None = None
        self._best: dict[str, _Best] = {}
        self._files = 0
        self._error: str | None = None
        self._retry_at = -float("inf")
        self._closed = False

    # -- the per-frame verb ---------------------------------------------------------------

    def push(self, frame: Frame, tracks: Tracks | None = None, events: Sequence[tuple[str, Event]] = ()) -> None:
        """Record one frame and react to the events (id, event) raised at it. Never raises for I/O."""
        if self._closed or not self.config.enabled:
            return
        stored = self._prepare(frame, tracks, [ev for _, ev in events])
        pts = frame.pts
        for eid, ev in events:
            if ev.phase in ("start", "instant"):
                self._on_start(eid, ev, stored, pts)
            if ev.phase == "update":
                self._on_update(eid, ev, stored, pts)
            if ev.phase in ("end", "instant"):
                self._on_end(eid, ev)
        self._write_frame(stored, pts)
        self.buffer.append(stored, pts)

    def _prepare(self, frame: Frame, tracks: Tracks | None, events: Sequence[Event]) -> Image:
        """The image as stored: redacted first, then annotated (boxes stay visible over blurred people)."""
        image = self.redactor.apply(frame.image, tracks)
        if self.annotator is not None:
            image = self.annotator.draw(
                Frame(image, frame.index, frame.pts), tracks if tracks is not None else Tracks.empty(), events
            )
        return image

    # -- events ---------------------------------------------------------------------------

    def _on_start(self, eid: str, ev: Event, image: Image, pts: float) -> None:
        onset = ev.started if ev.started is not None else ev.t
        day = self.clock.at(onset).strftime("%Y-%m-%d")
        clip = self._clip
        if clip is None:
            clip = self._clip = _Clip(safe_name(eid), day, [eid], {eid})
            self._open_video(clip, image, pts, onset - self.config.pre_roll)
        elif eid not in clip.event_ids:
            clip.event_ids.append(eid)
            clip.open_ids.add(eid)
            clip.end_at = None
        self._best[eid] = _Best(ev.confidence, pts, image, pts, day)
        self._snapshot(eid, image, pts, day, "")

    def _on_update(self, eid: str, ev: Event, image: Image, pts: float) -> None:
        best = self._best.get(eid)
        if best is not None and ev.confidence > best.confidence:
            best.confidence, best.pts, best.image = ev.confidence, pts, image

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

    def _open_video(self, clip: _Clip, image: Image, now: float, since: float | None) -> None:
        """Start the clip's (next) file, first with the buffered frames from ``since`` (the pre-roll)."""
        if now < self._retry_at or not self.disk.may_write(now):
            return
        path = self._clip_path(clip)
        h, w = image.shape[:2]
        try:
            clip.video = VideoFile(path, w, h, self.fps, self._factory)
            if since is not None:
                for buffered in self.buffer.since(since):
                    clip.video.write(buffered.decode(), buffered.pts)
        except (OutputError, OSError) as e:
            self._fail(clip, path, e, now)

    def _write_frame(self, image: Image, pts: float) -> None:
        clip = self._clip
        if clip is None:
            return
        video = clip.video
        if video is not None and video.first_pts is not None and pts - video.first_pts >= self.config.max_clip:
            self._finish_video(clip)  # capped: the rest goes to the next part
            clip.part += 1
            if not clip.open_ids:  # only post-roll was left
                self._clip = None
                return
        if clip.end_at is not None and pts > clip.end_at:
            self._finish_video(clip)
            self._clip = None
            return
        if clip.video is None:  # a new part, or after a failure or a full disk
            self._open_video(clip, image, pts, None)
            if clip.video is None:
                return
        try:
            clip.video.write(image, pts)
        except (OutputError, OSError) as e:
            self._fail(clip, self._clip_path(clip), e, pts)

    def _finish_video(self, clip: _Clip) -> None:
        video, clip.video = clip.video, None
        if video is None:
            return
        try:
            kept = video.finish()
        except (OutputError, OSError) as e:
            video.abandon()
            self._note_error(video.path, e, video.last_pts or 0.0)
            return
        if not kept or video.first_pts is None or video.last_pts is None:
            return
        self._files += 1
        self._error = None
        self.disk.wrote()
        rel = video.path.relative_to(self.data_dir).as_posix()
        log.info("camera %s: clip %s (%.1f s, %d frames)", self.camera, rel, video.last_pts - video.first_pts,
                 video.frames)
        for eid in clip.event_ids:
            self._report(MediaFile(
                eid, "clip", rel, video.first_pts, video.last_pts,
                self.clock.at(video.first_pts), self.clock.at(video.last_pts),
            ))  # fmt: skip

    def _fail(self, clip: _Clip, path: Path, error: BaseException, pts: float) -> None:
        video, clip.video = clip.video, None
        if video is not None:
            video.abandon()
        clip.part += 1  # what is written after the pause goes to a new file
        self._note_error(path, error, pts)

    def _note_error(self, path: Path, error: BaseException, pts: float) -> None:
        if is_disk_full(error):
            self.disk.report_full(pts, error)
            return
        if self._error is None:
            log.error("camera %s: %s: recording failed: %s", self.camera, path, error)
        self._error = f"{path}: {error}"
        self._retry_at = pts + RETRY_SECONDS

    # -- snapshots ------------------------------------------------------------------------

    def _snapshot(self, eid: str, image: Image, pts: float, day: str, suffix: str) -> None:
        if not self.disk.may_write(pts):
            return
        path = self.data_dir / CLIPS_DIR / safe_name(self.camera) / day / f"{safe_name(eid)}{suffix}.jpg"
        try:
            self._write_bytes(path, encode_jpeg(image, self.config.snapshot_quality, str(path)))
        except (OutputError, OSError) as e:
            self._note_error(path, e, pts)
            return
        self._files += 1
        self.disk.wrote()
        rel = path.relative_to(self.data_dir).as_posix()
        at = self.clock.at(pts)
        self._report(MediaFile(eid, "snapshot", rel, pts, pts, at, at))

    def _report(self, media: MediaFile) -> None:
        try:
            self.on_media(media)
        except Exception:  # the callback is the caller's; a failure there must not stop recording
            log.exception("camera %s: media callback failed for %s", self.camera, media.path)

    # -- lifecycle ------------------------------------------------------------------------

    def health(self) -> RecorderHealth:
        recording = self._clip is not None and self._clip.video is not None
        if self._closed:
            return RecorderHealth("stopped", None, self._files, False)
        if self.disk.full:
            return RecorderHealth("disk_full", f"{self.data_dir}: disk full, recording paused", self._files, False)
        if self._error is not None:
            return RecorderHealth("error", self._error, self._files, recording)
        return RecorderHealth("ok", None, self._files, recording)

    def close(self) -> None:
        """Finish the open clip where the stream stopped (shorter post-roll) and stop."""
        if self._closed:
            return
        if self._clip is not None:
            self._finish_video(self._clip)
            self._clip = None
        self._best.clear()
        self.buffer.clear()
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
