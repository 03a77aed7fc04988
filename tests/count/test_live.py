"""Occupancy and overcrowding from the counting stage instead of tracks (``counting: {occupancy: true}``)."""

from __future__ import annotations

import numpy as np
import pytest
from countfakes import BlobDetector, draw_people

from vigil.analytics import AnalyticsEngine
from vigil.analytics.occupancy import ZoneCounts
from vigil.config import AnalysisConfig, parse_yaml
from vigil.count import CountCalibration, Counter
from vigil.count.live import CountingStage, LiveCounter
from vigil.detect.base import StageTimes
from vigil.pipeline.camera import CameraPipeline
from vigil.track import VigilTracker
from vigil.types import Detections, Frame, Image, Tracks

SIZE = (400, 300)
LEFT = ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0))
EMPTY_TRACKS = Tracks(np.zeros((0, 4), np.float32), [], np.zeros(0, np.float32), [])


def _dets(feet_x: list[float], score: float = 0.9) -> Detections:
    """Person boxes 20 px wide, 40 tall, feet at y=200 and the given x (pixels)."""
    boxes = [[x - 10, 160, x + 10, 200] for x in feet_x]
    return Detections(np.array(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), score, np.float32),
                      np.zeros(len(boxes), np.int64))  # fmt: skip


def test_zone_counts_apportion_the_calibrated_frame_count() -> None:
    # the calibration says the detector finds half the people: 6 found -> 12 people; 2 of the 6 on the left
    cal = CountCalibration(threshold=0.3, slope=2.0)
    live = LiveCounter(Counter(cal), [("left", LEFT)], interval=0.0, smoothing="off")
    got = live.update(_dets([50, 150, 250, 300, 350, 390]), 0.0, SIZE)
    assert got.total == pytest.approx(12.0) and got.zones == {"left": pytest.approx(4.0)}
    assert got.get(None) == got.total and got.get("left") == got.zones["left"] and got.get("other") is None
    weak = live.update(_dets([50, 150], score=0.2), 1.0, SIZE)  # below the calibration's threshold
    assert weak.total == 0.0 and weak.zones["left"] == 0.0


def test_counts_are_smoothed_and_taken_every_interval() -> None:
    live = LiveCounter(Counter(), interval=0.5, smoothing="median", window=3.0)
    seen = []
    for k in range(20):  # 10 fps; the detector misses most people at 1 s
        t = k / 10
        if live.due(t):
            n = 2 if k == 10 else 10
            seen.append(live.update(_dets([20.0 * i + 10 for i in range(n)]), t, SIZE).total)
    assert live.counts == 4 and seen == [10.0] * 4  # every 0.5 s; the median over 3 s keeps 10 at 1 s
    assert live.due(2.0) and not live.due(1.8)
    with pytest.raises(ValueError, match="interval"):
        LiveCounter(Counter(), interval=-1.0)


def test_overcrowding_and_occupancy_use_the_counts_when_given() -> None:
    cfg = parse_yaml(
        "zones:\n  - {name: left, points: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]]}\n"
        "rules:\n  - {type: overcrowding, zone: left, max_count: 5, min_duration: 1}\n"
        "  - {type: overcrowding, name: cars, zone: left, classes: [car], max_count: 5, min_duration: 1}\n",
        AnalysisConfig,
    )
    engine = AnalyticsEngine.from_config(cfg)
    events = []
    for k in range(30):  # 10 fps, 3 s: no track at all, but the counting stage sees 8 people on the left
        t = k / 10
        events += engine.evaluate(EMPTY_TRACKS, t, SIZE, counts=ZoneCounts(t, 11.6, {"left": 7.6}))
    starts = [e for e in events if e.phase == "start"]
    assert [e.attributes["rule"] for e in starts] == ["overcrowding"]  # people only: the car rule still counts tracks
    assert starts[0].attributes["count"] == 8 and starts[0].attributes["count_source"] == "counting"
    assert starts[0].t == pytest.approx(1.0, abs=0.11)
    occ = engine.occupancy()
    assert occ.total.max() == 12 and occ.counts["left"].max() == 8
    events = engine.evaluate(EMPTY_TRACKS, 3.0, SIZE)  # no counts given: tracks again (none)
    assert engine.occupancy().total[-1] == 0


class _Blind:
    """The pipeline's whole-frame detector, which sees nobody in this dense scene."""

    def __init__(self) -> None:
        self.times = StageTimes()

    def detect(self, image: Image) -> Detections:
        return Detections.empty()


def test_pipeline_hands_the_counting_stage_counts_to_the_rules() -> None:
    cfg = parse_yaml(
        "rules:\n  - {type: overcrowding, max_count: 6, min_duration: 0.5}\n"
        "counting: {occupancy: true, interval: 0.5, smoothing: 'off'}\n",
        AnalysisConfig,
    )
    counter = BlobDetector()
    live = LiveCounter(Counter(), (), cfg.counting.interval, cfg.counting.smoothing)
    stage = CountingStage(counter, live)
    pipe = CameraPipeline("cam", _Blind(), VigilTracker(cfg.tracker), AnalyticsEngine.from_config(cfg), counting=stage)
    image = draw_people((300, 400), [(20 + 45 * i, 100, 50 + 45 * i, 160) for i in range(8)])
    events = []
    for k in range(20):
        events += pipe.process(Frame(image, k, k / 10)).events
    start = next(e for e in events if e.kind == "overcrowding" and e.phase == "start")
    assert start.attributes["count"] == 8 and start.attributes["count_source"] == "counting"
    assert counter.calls == 4  # every 0.5 s of the 2 s, not every frame
    assert pipe.counting_seconds > 0


def test_counting_for_occupancy_is_opt_in() -> None:
    cfg = AnalysisConfig()
    assert not cfg.counting.occupancy and CountingStage.from_config(cfg) is None
