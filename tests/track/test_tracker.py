"""VigilTracker on synthetic scenes: id structure, occlusion, timeouts, thresholds, classes, rates."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.config.models import TrackerConfig
from vigil.track import Tracker, VigilTracker
from vigil.types import Detections

from .synth import Walker, distinct, ids_per_walker, render, run

CFG = TrackerConfig()

# Two people crossing paths; the one behind (higher up, smaller) is hidden while they overlap.
CROSS = [
    Walker(start=(100.0, 300.0), velocity=(90.0, 0.0), size=(44.0, 110.0)),
    Walker(start=(560.0, 280.0), velocity=(-90.0, 0.0), size=(40.0, 100.0)),
]
CROSS_HIDDEN = [CROSS[0], Walker(start=(560.0, 280.0), velocity=(-90.0, 0.0), hidden=((2.2, 2.9),))]

SCENES: dict[str, tuple[list[Walker], float]] = {
    "crossing": (CROSS, 5.0),
    "crossing, back one occluded 0.7 s": (CROSS_HIDDEN, 5.0),
    "occlusion gap 0.8 s": ([Walker(start=(100.0, 300.0), velocity=(60.0, 10.0), hidden=((2.0, 2.8),))], 5.0),
    "standing still, occluded 0.8 s": ([Walker(start=(300.0, 300.0), hidden=((1.0, 1.8),))], 3.0),
    "long straight walk (60 s)": ([Walker(start=(40.0, 200.0), velocity=(10.0, 3.0), size=(30.0, 80.0))], 60.0),
    "side by side": (
        [Walker(start=(100.0, 300.0), velocity=(50.0, 0.0)), Walker(start=(150.0, 300.0), velocity=(50.0, 0.0))],
        6.0,
    ),
    "fast walker (1.5 body heights/s)": ([Walker(start=(50.0, 300.0), velocity=(150.0, 0.0))], 4.0),
}


@pytest.mark.parametrize("fps", [5.0, 7.0, 14.0, 25.0, 30.0])
@pytest.mark.parametrize("scene", list(SCENES))
def test_each_walker_keeps_one_id(scene: str, fps: float) -> None:
    walkers, duration = SCENES[scene]
    frames = render(walkers, fps, duration, jitter=0.02, seed=1)
    ids = ids_per_walker(frames, run(VigilTracker(), frames))
    assert sorted(ids) == list(range(len(walkers))), f"some walker was never reported: {ids.keys()}"
    for k, seq in ids.items():
        assert len(distinct(seq)) == 1, f"walker {k} changed id: {distinct(seq)}"
        detected = sum(1 for f in frames if k in f.detected)
        assert len(seq) >= 0.75 * detected, f"walker {k} reported in {len(seq)} of {detected} frames"
    firsts = [seq[0] for seq in ids.values()]
    assert len(set(firsts)) == len(firsts), "two walkers share an id"


def test_ids_start_at_one_per_instance() -> None:
    frames = render([Walker(start=(100.0, 100.0)), Walker(start=(300.0, 100.0))], 10.0, 1.0)
    for _ in range(2):  # a second tracker starts again at 1: no global counter
        out = run(VigilTracker(), frames)
        assert sorted(set(np.concatenate([o.track_ids for o in out]).tolist())) == [1, 2]


def test_implements_the_tracker_protocol() -> None:
    assert isinstance(VigilTracker(), Tracker)


@pytest.mark.parametrize("fps", [7.0, 25.0])
def test_lost_longer_than_timeout_gets_a_new_id(fps: float) -> None:
    gap = (2.0, 2.0 + CFG.lost_timeout + 0.5)
    walker = Walker(start=(300.0, 300.0), hidden=(gap,))
    frames = render([walker], fps, gap[1] + 2.0)
    seq = ids_per_walker(frames, run(VigilTracker(), frames))[0]
    assert len(distinct(seq)) == 2


@pytest.mark.parametrize("fps", [7.0, 25.0])
def test_occlusion_shorter_than_timeout_keeps_the_id(fps: float) -> None:
    gap = (2.0, 2.0 + 0.8 * CFG.lost_timeout)
    frames = render([Walker(start=(300.0, 300.0), velocity=(30.0, 0.0), hidden=(gap,))], fps, gap[1] + 2.0)
    assert len(distinct(ids_per_walker(frames, run(VigilTracker(), frames))[0])) == 1


def test_low_score_detections_continue_tracks_but_never_start_them() -> None:
    low = CFG.high_threshold - 0.05
    assert low >= CFG.low_threshold
    walkers = [
        # confident for 2 s, then scored low for 2 s: the same track continues
        Walker(start=(100.0, 300.0), velocity=(40.0, 0.0), low=((2.0, 4.0),), low_score=low),
        # never confident: never a track
        Walker(start=(500.0, 300.0), velocity=(-20.0, 0.0), score=low),
    ]
    frames = render(walkers, 25.0, 4.0)
    ids = ids_per_walker(frames, run(VigilTracker(), frames))
    assert 1 not in ids
    assert len(distinct(ids[0])) == 1
    low_frames = [f for f in frames if 2.0 <= f.t < 4.0]
    assert len(ids[0]) >= len(low_frames), "the track was not reported while its detections scored low"


def test_below_new_track_threshold_never_starts_a_track() -> None:
    cfg = TrackerConfig(high_threshold=0.5, new_track_threshold=0.8)
    frames = render([Walker(start=(100.0, 300.0), score=0.7)], 25.0, 3.0)
    assert all(len(o) == 0 for o in run(VigilTracker(cfg), frames))


@pytest.mark.parametrize("fps", [7.0, 30.0])
def test_one_frame_false_positive_is_never_reported(fps: float) -> None:
    assert CFG.confirm_time > 0.0
    frames = render([Walker(start=(100.0, 300.0), velocity=(20.0, 0.0))], fps, 3.0)
    blip = Detections(np.array([[400.0, 100.0, 440.0, 200.0]]), [0.99], [0])
    tracker = VigilTracker()
    reported: set[int] = set()
    for i, f in enumerate(frames):
        d = f.detections
        if i == len(frames) // 2:
            d = Detections(np.concatenate([d.xyxy, blip.xyxy]), np.concatenate([d.scores, blip.scores]), [0, 0])
        reported.update(tracker.update(d, f.t).track_ids.tolist())
    assert reported == {1}


def test_new_track_is_reported_after_confirm_time() -> None:
    cfg = TrackerConfig(confirm_time=0.3)
    frames = render([Walker(start=(100.0, 300.0), velocity=(20.0, 0.0))], 25.0, 2.0)
    out = run(VigilTracker(cfg), frames)
    first = next(f.t for f, o in zip(frames, out, strict=True) if len(o))
    assert first == pytest.approx(0.3, abs=0.041)


def _structure(fps: float) -> list[int]:
    walkers = [
        *CROSS_HIDDEN,
        Walker(start=(300.0, 450.0), velocity=(0.0, -40.0), t0=0.5, hidden=((1.5, 2.3),)),
        Walker(start=(600.0, 100.0), velocity=(-30.0, 20.0), t0=1.0, t1=3.0),
        Walker(start=(620.0, 120.0), velocity=(-30.0, 20.0), t0=4.0, t1=6.0),
    ]
    frames = render(walkers, fps, 6.0, jitter=0.02, seed=3)
    ids = ids_per_walker(frames, run(VigilTracker(), frames))
    return [len(distinct(ids.get(k, []))) for k in range(len(walkers))] + [
        len({i for seq in ids.values() for i in seq})
    ]


@pytest.mark.parametrize("fps", [5.0, 7.0, 14.0, 25.0, 30.0])
def test_same_motion_at_any_frame_rate_gives_the_same_id_structure(fps: float) -> None:
    # Every walker keeps one id, and the walker entering at t=4 s, a body height away from
    # where another left a second earlier, gets a new one: 5 ids, at every rate.
    assert _structure(fps) == _structure(25.0) == [1, 1, 1, 1, 1, 5]


def test_finished_reports_each_ended_track_once() -> None:
    frames = render(
        [Walker(start=(100.0, 300.0), t1=2.0), Walker(start=(400.0, 300.0), t1=10.0)], 10.0, 2.0 + CFG.lost_timeout + 1.0
    )
    tracker = VigilTracker()
    ended: list[int] = []
    seen: set[int] = set()
    for f in frames:
        seen.update(tracker.update(f.detections, f.t).track_ids.tolist())
        ended.extend(tracker.finished())
    assert seen == {1, 2}
    assert ended == [1]
    assert tracker.finished() == []


def test_unconfirmed_tracks_are_never_reported_as_finished() -> None:
    tracker = VigilTracker(TrackerConfig(confirm_time=0.5))
    tracker.update(Detections(np.array([[10.0, 10.0, 50.0, 110.0]]), [0.9], [0]), 0.0)
    for i in range(1, 30):
        tracker.update(Detections.empty(), i * 0.1)
    assert tracker.finished() == []


def test_classes_never_mix() -> None:
    person = Walker(start=(200.0, 300.0), velocity=(30.0, 0.0), class_id=0)
    bag = Walker(start=(200.0, 300.0), velocity=(30.0, 0.0), class_id=26, size=(40.0, 100.0))
    # a car appears where the person vanished, before the person's track timed out
    gone = Walker(start=(500.0, 300.0), t1=2.0, class_id=0)
    car = Walker(start=(500.0, 300.0), t0=2.0, class_id=2)
    frames = render([person, bag, gone, car], 10.0, 4.0)
    out = run(VigilTracker(), frames)
    cls_of: dict[int, set[int]] = {}
    for o in out:
        for i, c in zip(o.track_ids.tolist(), o.class_ids.tolist(), strict=True):
            cls_of.setdefault(i, set()).add(c)
    assert all(len(c) == 1 for c in cls_of.values()), cls_of
    assert sorted(next(iter(c)) for c in cls_of.values()) == [0, 0, 2, 26]


def test_reported_boxes_follow_the_object() -> None:
    w = Walker(start=(100.0, 300.0), velocity=(50.0, 0.0))
    frames = render([w], 25.0, 4.0, jitter=0.03, seed=5)
    out = run(VigilTracker(), frames)
    err = [np.abs(o.xyxy[0] - w.box(f.t)).max() for f, o in zip(frames, out, strict=True) if len(o)]
    assert len(err) > 80
    assert float(np.median(err)) < 0.03 * 100.0 * 2


def test_scores_and_classes_of_reported_tracks() -> None:
    frames = render([Walker(start=(100.0, 300.0), score=0.8, class_id=2)], 10.0, 1.0)
    out = run(VigilTracker(), frames)[-1]
    assert out.class_ids.tolist() == [2]
    assert out.scores.tolist() == pytest.approx([0.8])


def test_time_going_back_is_treated_as_no_time_passing(caplog: pytest.LogCaptureFixture) -> None:
    d = Detections(np.array([[10.0, 10.0, 50.0, 110.0]]), [0.9], [0])
    tracker = VigilTracker()
    for t in (0.0, 0.1, 0.2, 0.3):
        tracker.update(d, t)
    with caplog.at_level("WARNING"):
        out = tracker.update(d, 0.1)
    assert out.track_ids.tolist() == [1]
    assert "went back" in caplog.text


def test_empty_frames_and_no_detections() -> None:
    tracker = VigilTracker()
    for i in range(5):
        out = tracker.update(Detections.empty(), i * 0.1)
        assert len(out) == 0 and out.xyxy.shape == (0, 4)
    assert tracker.finished() == []
