"""The camera worker entry, run in this process: messages, events, failures, motion-gating cost."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from vigil.config.service import CameraConfig
from vigil.service.health import WorkerEvent, WorkerFailed, WorkerHeartbeat
from vigil.service.worker import WorkerSettings, run_worker

CTX = mp.get_context("spawn")
END = "end of messages"
IN_PROCESS = WorkerSettings(heartbeat_interval=0.05, pace_files=False, forward_logs=False)


def detector(models_dir: Path) -> dict[str, Any]:
    return {"model": str(models_dir / "yolox_nano.onnx"), "threads": 1}


def run(cfg: CameraConfig, settings: WorkerSettings = IN_PROCESS) -> list[object]:
    q = CTX.Queue()
    stop = CTX.Event()
    try:
        run_worker(cfg, q, stop, settings)
        q.put(END)  # after everything the worker put (one feeder thread keeps the order)
        out = []
        while (m := q.get(timeout=10.0)) != END:
            out.append(m)
        return out
    finally:
        q.close()
        q.join_thread()


def test_worker_sends_events_and_heartbeats_then_finishes(data_dir: Path, models_dir: Path) -> None:
    video = data_dir / "mot" / "TUD-Campus" / "TUD-Campus.mp4"
    if not video.is_file():
        pytest.skip(f"{video} not found")
    cfg = CameraConfig.model_validate({
        "camera": "campus", "source": str(video), "fps": 5, "motion_gating": False, "detector": detector(models_dir),
        "zones": [{"name": "all", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}],
        "rules": [{"type": "intrusion", "name": "people", "zone": "all"}],
    })  # fmt: skip
    msgs = run(cfg)
    events = [m for m in msgs if isinstance(m, WorkerEvent)]
    beats = [m for m in msgs if isinstance(m, WorkerHeartbeat)]
    assert not [m for m in msgs if isinstance(m, WorkerFailed)]
    phases = [e.event.phase for e in events]
    assert {e.event.kind for e in events} == {"intrusion"}
    assert phases[0] == "start" and phases[-1] == "end" and set(phases[1:-1]) <= {"update"}
    assert all(e.camera == "campus" and e.event.camera == "campus" for e in events)
    assert len({e.run for e in events}) == 1
    assert beats and all(b.camera == "campus" for b in beats)
    last = beats[-1]
    assert last.frames_in == last.frames_analysed == last.frames_detected == 15  # 71 frames at 25 fps, kept at 5
    assert last.last_frame_wall is not None and last.lag is not None


def test_worker_reports_a_missing_source_and_exits_1(models_dir: Path, tmp_path: Path) -> None:
    cfg = CameraConfig.model_validate(
        {"camera": "gone", "source": str(tmp_path / "missing.mp4"), "detector": detector(models_dir)}
    )
    q = CTX.Queue()
    try:
        with pytest.raises(SystemExit) as exc:
            run_worker(cfg, q, CTX.Event(), IN_PROCESS)
        assert exc.value.code == 1
        msgs = []
        while True:
            m = q.get(timeout=1.0)
            msgs.append(m)
            if isinstance(m, WorkerFailed):
                break
        assert "missing.mp4" in m.error  # the message names the input
        assert all(isinstance(x, WorkerHeartbeat) for x in msgs[:-1])
    finally:
        q.close()
        q.join_thread()


def static_video(path: Path, seconds: float, fps: int = 10) -> Path:
    rng = np.random.default_rng(1)
    background = rng.integers(30, 220, (240, 320, 3), dtype=np.uint8)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        for _ in range(int(seconds * fps)):
            for p in s.encode(av.VideoFrame.from_ndarray(background, format="bgr24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def test_motion_gating_cuts_the_cost_of_a_static_camera(models_dir: Path, tmp_path: Path) -> None:
    video = static_video(tmp_path / "static.mp4", 6.0)

    def cpu(gating: bool) -> tuple[float, WorkerHeartbeat]:
        cfg = CameraConfig.model_validate(
            {"camera": "quiet", "source": str(video), "motion_gating": gating, "detector": detector(models_dir)}
        )
        t0 = time.process_time()
        msgs = run(cfg)
        beats = [m for m in msgs if isinstance(m, WorkerHeartbeat)]
        return time.process_time() - t0, beats[-1]

    cpu(True)  # warm caches (model file, codecs)
    gated, gb = cpu(True)
    full, fb = cpu(False)
    assert fb.frames_detected == fb.frames_analysed == 60
    assert gb.frames_analysed == 60 and gb.frames_detected == 2  # the first frame, then once per max_skip (5 s)
    assert gated < 0.5 * full, f"gated {gated:.2f} s CPU vs {full:.2f} s ungated"


def test_a_paced_file_faster_than_analysis_drops_frames_instead_of_lagging(models_dir: Path, tmp_path: Path) -> None:
    video = static_video(tmp_path / "fast.mp4", 2.0, fps=200)  # 400 frames in 2 s: more than nano can detect
    cfg = CameraConfig.model_validate(
        {"camera": "fast", "source": str(video), "motion_gating": False, "detector": detector(models_dir)}
    )
    t0 = time.perf_counter()
    msgs = run(cfg, WorkerSettings(heartbeat_interval=0.1, forward_logs=False))
    beats = [m for m in msgs if isinstance(m, WorkerHeartbeat)]
    wall = time.perf_counter() - t0
    last = beats[-1]
    assert last.frames_in == 400
    assert 0 < last.frames_analysed < 400
    assert max(b.lag for b in beats if b.lag is not None) < 1.5
    assert wall < 2.0 + 2.0  # real time, plus loading the model
