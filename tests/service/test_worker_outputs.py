"""The worker's outputs, run in this process on a generated video with a stub detector:
event ids, media after their events, clips that cover pre/post roll, preview frames
(rate, viewers, redaction, size), zone counts and the heat map."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest

from vigil.config.models import DetectorConfig
from vigil.config.service import CameraConfig
from vigil.detect.base import StageTimes
from vigil.detect.classes import PERSON
from vigil.service.health import (
    ALL,
    WorkerCounts,
    WorkerEvent,
    WorkerFailed,
    WorkerFrame,
    WorkerHeartbeat,
    WorkerHeat,
    WorkerMedia,
)
from vigil.service.worker import WorkerSettings, run_worker
from vigil.types import Detections, Image

CTX = mp.get_context("spawn")
END = "end of messages"
FPS = 10
W, H = 640, 240
SECONDS = 6.0


class BrightBlobs:
    """A stub detector: every bright blob is a person (the generated video's walkers)."""

    def __init__(self) -> None:
        self.times = StageTimes()

    def detect(self, image: Image) -> Detections:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        n, _, stats, _ = cv2.connectedComponentsWithStats((grey > 200).astype(np.uint8))
        boxes = [(x, y, x + w, y + h) for x, y, w, h, area in stats[1:n].tolist() if area > 100]
        self.times.calls += 1
        return Detections(np.array(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.9), np.full(len(boxes), PERSON))


def bright_blobs(cfg: DetectorConfig) -> BrightBlobs:
    return BrightBlobs()


def walker_video(path: Path) -> Path:
    """A 40x80 white 'person' walking left to right over a dark, noisy background."""
    rng = np.random.default_rng(3)
    background = rng.integers(20, 60, (H, W, 3), dtype=np.uint8)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        n = int(SECONDS * FPS)
        for i in range(n):
            img = background.copy()
            x = int(20 + (W - 80) * i / (n - 1))
            img[120:200, x : x + 40] = 255
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return walker_video(tmp_path_factory.mktemp("walker") / "walker.mp4")


def camera(video: Path, **kw: Any) -> CameraConfig:
    fields: dict[str, Any] = {
        "camera": "yard", "source": str(video), "fps": FPS, "motion_gating": True,
        "zones": [{"name": "right", "points": [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]}],
        "lines": [{"name": "middle", "points": [[0.5, 0], [0.5, 1]]}],
        "rules": [
            {"type": "intrusion", "name": "in-right", "zone": "right", "end_after": 0.5},
            {"type": "line_crossing", "name": "cross", "line": "middle"},
        ],
        "recording": {"enabled": True, "pre_roll": 1.0, "post_roll": 1.0},
    }  # fmt: skip
    fields.update(kw)
    return CameraConfig.model_validate(fields)


def run(cfg: CameraConfig, settings: WorkerSettings, viewers: int | None = None) -> list[object]:
    q = CTX.Queue()
    value = CTX.Value("i", viewers) if viewers is not None else None
    try:
        run_worker(cfg, q, CTX.Event(), settings, value)
        q.put(END)  # after everything the worker put (one feeder thread keeps the order)
        out = []
        while (m := q.get(timeout=10.0)) != END:
            out.append(m)
        return out
    finally:
        q.close()
        q.join_thread()


def settings(data_dir: Path | None = None, **kw: Any) -> WorkerSettings:
    base: dict[str, Any] = {
        "heartbeat_interval": 0.05, "pace_files": False, "forward_logs": False, "data_dir": data_dir,
        "detector_factory": bright_blobs,
    }  # fmt: skip
    base.update(kw)
    return WorkerSettings(**base)


def of(msgs: list[object], kind: type) -> list[Any]:
    return [m for m in msgs if isinstance(m, kind)]


def test_events_carry_ids_and_their_media_follow_them(video: Path, tmp_path: Path) -> None:
    msgs = run(camera(video), settings(tmp_path))
    assert not of(msgs, WorkerFailed)
    events = [e for e in of(msgs, WorkerEvent) if e.event.kind == "intrusion"]
    assert events[0].event.phase == "start" and events[-1].event.phase == "end"
    assert len({e.eid for e in events}) == 1 and events[0].eid
    crossings = [e for e in of(msgs, WorkerEvent) if e.event.kind == "line_crossing"]
    assert len(crossings) == 1 and crossings[0].eid != events[0].eid
    media = of(msgs, WorkerMedia)
    eid = events[0].eid
    kinds = sorted(m.kind for m in media if m.eid == eid)
    assert "clip" in kinds and "snapshot" in kinds
    first_event = {e.eid: msgs.index(e) for e in reversed(of(msgs, WorkerEvent))}
    for m in media:  # each file comes after the event that it belongs to
        assert m.eid in first_event and msgs.index(m) > first_event[m.eid]
        assert (tmp_path / m.path).is_file() and not Path(m.path).is_absolute()
        assert m.camera == "yard" and m.started_at <= m.ended_at
    clip = next(m for m in media if m.kind == "clip" and m.eid == eid)
    with av.open(str(tmp_path / clip.path)) as c:
        stream = c.streams.video[0]
        frames = sum(1 for _ in c.decode(stream))
    start, end = events[0].event.started or events[0].event.t, events[-1].event.t
    # pre-roll (1 s) + the event + post-roll (1 s, cut where the file ends)
    expected = min(SECONDS, end + 1.0) - max(0.0, start - 1.0)
    assert frames >= round((expected - 0.3) * FPS), (frames, start, end)


def test_no_data_dir_no_recording(video: Path, tmp_path: Path) -> None:
    msgs = run(camera(video), settings(None))
    assert of(msgs, WorkerEvent) and not of(msgs, WorkerMedia)


def test_preview_is_rare_when_nobody_watches_and_every_frame_when_watched(video: Path) -> None:
    idle = run(camera(video, recording={"enabled": False}), settings(preview_idle_s=100.0, preview_fps=1000.0), 0)
    watched = run(camera(video, recording={"enabled": False}), settings(preview_idle_s=100.0, preview_fps=1000.0), 2)
    assert len(of(idle, WorkerFrame)) == 1
    analysed = of(watched, WorkerHeartbeat)[-1].frames_analysed
    frames = of(watched, WorkerFrame)
    assert analysed == SECONDS * FPS and len(frames) >= 0.9 * analysed
    f = frames[-1]
    assert (f.width, f.height) == (W, H) and f.camera == "yard"
    image = cv2.imdecode(np.frombuffer(f.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    assert image.shape == (H, W, 3)
    (track,) = f.tracks
    assert track.label == "person" and 0.0 <= track.x1 < track.x2 <= 1.0 and 0.0 <= track.y1 < track.y2 <= 1.0
    assert track.y1 == pytest.approx(120 / H, abs=0.02) and track.y2 == pytest.approx(200 / H, abs=0.02)
    assert len(track.trail) > 3 and track.trail[-1] == pytest.approx(((track.x1 + track.x2) / 2, track.y2), abs=1e-3)
    xs = [x for x, _ in track.trail]
    assert xs == sorted(xs)  # it walks to the right


def test_preview_is_redacted_and_scaled_down(video: Path, tmp_path: Path) -> None:
    wide = walker_video_wide(tmp_path / "wide.mp4")
    redact = {"enabled": False, "redaction": {"method": "fill", "regions": [
        {"name": "window", "points": [[0, 0], [0.25, 0], [0.25, 0.25], [0, 0.25]]}]}}  # fmt: skip
    msgs = run(camera(wide, recording=redact), settings(), 0)
    (f,) = of(msgs, WorkerFrame)
    assert f.width == 960 and f.height == 360
    image = cv2.imdecode(np.frombuffer(f.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    corner = image[5:80, 5:230].astype(int)
    assert abs(corner.mean() - 128) < 4 and corner.std() < 4  # grey fill, not the noisy background
    assert abs(image[200:300, 400:900].mean() - 40) < 8  # the rest is the dark picture


def walker_video_wide(path: Path) -> Path:
    rng = np.random.default_rng(4)
    img = rng.integers(20, 60, (720, 1920, 3), dtype=np.uint8)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = 1920, 720, "yuv420p"
        for _ in range(3):
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def test_counts_and_heat(video: Path) -> None:
    msgs = run(
        camera(video, recording={"enabled": False}), settings(heat_interval_s=100.0, preview_fps=1000.0), viewers=1
    )
    counts = of(msgs, WorkerCounts)
    assert counts and counts[0].counts["right"] == 0 and set(counts[0].counts) == {"right", ALL}
    assert set(counts[0].lines) == {"cross"} and counts[0].lines["cross"].line == "middle"
    (heat,) = of(msgs, WorkerHeat)  # sent at stop
    grid = heat.array()
    assert grid.shape == (36, 64) and (heat.grid_w, heat.grid_h) == (64, 36)
    tracked = sum(len(f.tracks) for f in of(msgs, WorkerFrame))  # a preview of every frame: its tracks
    assert tracked > 0.8 * SECONDS * FPS
    assert int(grid.sum()) == tracked  # one foot point per person per frame
    rows = np.nonzero(grid.sum(axis=1))[0]
    assert set(rows.tolist()) == {int(200 / H * 36)}  # the feet are at y=200 of 240
    assert np.count_nonzero(grid.sum(axis=0)) > 40  # it walked across
    assert heat.since <= heat.wall


def vtest_with_quiet_ends(data_dir: Path, path: Path, seconds: float = 3.0, quiet: float = 2.0) -> Path:
    """``seconds`` of vtest.avi between ``quiet`` seconds of an empty grey picture, as H.264 in ``path``."""
    src = data_dir / "videos" / "vtest.avi"
    if not src.is_file():
        pytest.skip(f"{src} not found")
    with av.open(str(src)) as c:
        stream = c.streams.video[0]
        fps = int(stream.average_rate or 10)
        frames = []
        for f in c.decode(stream):
            frames.append(f.to_ndarray(format="bgr24"))
            if len(frames) >= seconds * fps:
                break
    h, w = frames[0].shape[:2]
    grey = [np.full((h, w, 3), 128, np.uint8)] * int(quiet * fps)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        for img in grey + frames + grey:
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="bgr24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


def test_yolox_on_vtest_makes_a_playable_clip_with_pre_and_post_roll(
    data_dir: Path, models_dir: Path, tmp_path: Path
) -> None:
    video = vtest_with_quiet_ends(data_dir, tmp_path / "vtest-cut.mp4")
    cfg = CameraConfig.model_validate({
        "camera": "pets", "source": str(video), "fps": 5,
        "detector": {"model": str(models_dir / "yolox_nano.onnx"), "threads": 1},
        "zones": [{"name": "all", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
        "rules": [{"type": "intrusion", "name": "people", "zone": "all", "end_after": 0.5}],
        "recording": {"enabled": True, "pre_roll": 1.0, "post_roll": 1.0},
    })  # fmt: skip
    data = tmp_path / "data"
    msgs = run(cfg, WorkerSettings(heartbeat_interval=0.1, pace_files=False, forward_logs=False, data_dir=data))
    assert not of(msgs, WorkerFailed)
    events = [e for e in of(msgs, WorkerEvent) if e.event.kind == "intrusion"]
    assert events and events[0].event.phase == "start" and events[-1].event.phase == "end"
    start, end = events[0].event.t, events[-1].event.t
    assert 1.5 < start < 3.0 and end < 6.5  # people are seen only in the middle 3 s
    media = {m.kind: m for m in of(msgs, WorkerMedia) if m.eid == events[0].eid}
    assert set(media) >= {"clip", "snapshot"}
    clip = data / media["clip"].path
    assert clip.suffix == ".mp4" and media["clip"].path.startswith("clips/pets/")
    with av.open(str(clip)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        times = [float(f.time) for f in c.decode(stream) if f.time is not None]
    covered = times[-1] - times[0] + 1 / 5
    assert covered >= (end + 1.0) - (start - 1.0) - 0.25, (times[0], times[-1], start, end)
    duration = (media["clip"].ended_at - media["clip"].started_at).total_seconds()
    assert duration == pytest.approx((end + 1.0) - (start - 1.0), abs=0.5)
    snap = cv2.imread(str(data / media["snapshot"].path))
    assert snap is not None and snap.shape == (576, 768, 3)


def test_supervisor_routes_worker_messages_and_viewers_raise_the_preview_rate(video: Path, tmp_path: Path) -> None:
    from vigil.errors import CameraNotFoundError
    from vigil.service.supervisor import Supervisor, SupervisorSettings

    got: list[tuple[float, object]] = []
    events: list[WorkerEvent] = []
    media_first: list[str | None] = []  # media whose event had not arrived before it

    def on_message(m: object) -> None:
        got.append((time.monotonic(), m))
        if isinstance(m, WorkerMedia) and m.eid not in {e.eid for e in events}:
            media_first.append(m.eid)
    worker = settings(tmp_path, heartbeat_interval=0.2, pace_files=True, heat_interval_s=1.0,
                      preview_idle_s=1.0, preview_fps=10.0)  # fmt: skip
    cfg = camera(video, loop=True)
    with Supervisor([cfg], on_event=events.append, on_message=on_message,
                    settings=SupervisorSettings(worker=worker)) as sup:  # fmt: skip
        with pytest.raises(CameraNotFoundError, match="nowhere"):
            sup.set_viewers("nowhere", 1)
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline and not of([m for _, m in got], WorkerMedia):
            time.sleep(0.1)
        idle_since = time.monotonic()
        time.sleep(2.0)
        sup.set_viewers("yard", 2)
        assert sup.viewers("yard") == 2
        watched_since = time.monotonic()
        time.sleep(2.0)
        health = sup.health()["yard"]
    msgs = [m for _, m in got]
    media = of(msgs, WorkerMedia)
    assert media, "no media within 30 s"
    assert not media_first  # each file's event came before it
    idle = [m for t, m in got if isinstance(m, WorkerFrame) and idle_since <= t < idle_since + 2.0]
    watched = [m for t, m in got if isinstance(m, WorkerFrame) and watched_since + 0.5 <= t < watched_since + 2.0]
    assert len(idle) <= 3 and len(watched) >= 10  # 1 a second idle; 10 a second (the camera's rate) watched
    assert of(msgs, WorkerCounts) and of(msgs, WorkerHeat)
    assert health.cpu_percent is not None and 0.0 < health.cpu_percent < 200.0
