"""Event latency of `vigil serve`: from a frame's capture time to the MQTT message about it.

A camera plays a video paced to real time, as a live camera delivers it (a frame's capture
time is when the camera would have sent it), through the whole service: worker process,
detector, tracker, rules, the event store, the durable outbox, and a real mosquitto broker.
A subscriber takes every event message and its arrival time; latency is the arrival
minus the message's ``at`` (the capture time of the frame that raised the record).

The camera's rules are chosen to raise many events on a walkway scene (zone enter and
exit across a band, line crossings, an intrusion episode), so percentiles rest on
hundreds of messages within minutes.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from vigil.config.service import ServiceConfig
from vigil.delivery._broker import LocalMosquitto, find_mosquitto
from vigil.delivery._probe import MqttProbe
from vigil.errors import VigilError
from vigil.service.serve import ServeOptions, Service

log = logging.getLogger(__name__)

BAND = [[0.0, 0.45], [1.0, 0.45], [1.0, 0.75], [0.0, 0.75]]
FLOOR = [[0.0, 0.2], [1.0, 0.2], [1.0, 1.0], [0.0, 1.0]]


@dataclass(frozen=True, slots=True)
class LatencyResult:
    """Seconds from frame capture to MQTT arrival over ``messages`` event messages."""

    video: str
    fps: float
    duration_s: float
    messages: int
    p50_s: float
    p95_s: float
    p99_s: float
    max_s: float
    mean_s: float
    by_phase: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def latency_config(video: Path, data_dir: Path, broker: LocalMosquitto, prefix: str, fps: float,
                   detector: dict[str, Any]) -> ServiceConfig:  # fmt: skip
    """One paced, looping camera with event-rich rules, delivering to ``broker`` under ``prefix``."""
    return ServiceConfig.model_validate({
        "server": {"host": "127.0.0.1", "port": 8971},
        "storage": {"data_dir": str(data_dir)},
        "outputs": {"mqtt": {"host": broker.host, "port": broker.port, "topic_prefix": prefix,
                             "client_id": f"vigil-{prefix}", "discovery": False}},
        "cameras": [{
            "camera": "live", "source": str(video), "loop": True, "fps": fps, "detector": detector,
            "zones": [{"name": "band", "points": BAND}, {"name": "floor", "points": FLOOR}],
            "lines": [{"name": "middle", "points": [[0.5, 0.1], [0.5, 1.0]]}],
            "rules": [
                {"type": "zone_enter", "zone": "band", "min_duration": 0.2},
                {"type": "zone_exit", "zone": "band", "min_duration": 0.2},
                {"type": "line_crossing", "line": "middle"},
                {"type": "intrusion", "zone": "floor", "min_duration": 0.5, "update_interval": 2.0},
            ],
            "recording": {"enabled": True, "pre_roll": 2.0, "post_roll": 2.0},
        }],
    })  # fmt: skip


def _at(payload: dict[str, Any]) -> float:
    return datetime.fromisoformat(str(payload["at"])).timestamp()


def run_latency_benchmark(
    video: Path, *, duration: float = 120.0, warmup: float = 10.0, fps: float = 5.0,
    detector: dict[str, Any] | None = None,
) -> LatencyResult:  # fmt: skip
    """Serve ``video`` as a live camera for ``warmup + duration`` seconds and time its MQTT events."""
    if not video.is_file():
        raise VigilError(f"latency benchmark: video {video} not found")
    if find_mosquitto() is None:
        raise VigilError("latency benchmark: the mosquitto broker is not installed (apt-get install mosquitto)")
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    latencies: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="vigil-latency-") as tmp, LocalMosquitto() as broker:
        cfg = latency_config(Path(video), Path(tmp) / "data", broker, prefix, fps, detector or {"threads": 1})
        probe = MqttProbe(broker.host, broker.port, f"{prefix}/events")
        try:
            with Service(cfg, ServeOptions(ui=False, announce=lambda _: None)):
                time.sleep(warmup)
                start = time.time()
                time.sleep(duration)
            for m in probe.messages:
                if m.topic != f"{prefix}/events":
                    continue
                payload = m.json()
                at = _at(payload)
                if at >= start:
                    latencies.append((str(payload.get("phase")), m.arrived - at))
        finally:
            probe.close()
    if not latencies:
        raise VigilError(f"latency benchmark: no events in {duration:.0f} s of {video}; is it a scene with people?")
    values = np.array([v for _, v in latencies])
    phases: dict[str, int] = {}
    for phase, _ in latencies:
        phases[phase] = phases.get(phase, 0) + 1
    return LatencyResult(
        video=str(video), fps=fps, duration_s=duration, messages=len(values),
        p50_s=float(np.percentile(values, 50)), p95_s=float(np.percentile(values, 95)),
        p99_s=float(np.percentile(values, 99)), max_s=float(values.max()), mean_s=float(statistics.fmean(values)),
        by_phase=phases,
    )  # fmt: skip
