"""Reference trackers from well-kept libraries, behind Vigil's ``Tracker`` protocol.

Each runs with its library's default parameters, with its frame rate set from the
sequence (the libraries scale their lost-track buffers by it). They are fed every
frame in order, so they run in their fixed-frame-rate mode (no timestamps).

Names: ``sv-bytetrack`` (supervision 0.29 ``sv.ByteTrack``), ``trackers-bytetrack``,
``trackers-ocsort``, ``trackers-sort`` (Roboflow ``trackers`` package), and ``vigil``
(Vigil's own tracker, configured by a TrackerConfig).
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from vigil.config.models import TrackerConfig
from vigil.errors import ConfigError
from vigil.track.base import Tracker
from vigil.types import Detections, Tracks

if TYPE_CHECKING:
    import supervision as sv

log = logging.getLogger(__name__)

REFERENCE_TRACKERS: tuple[str, ...] = ("sv-bytetrack", "trackers-bytetrack", "trackers-ocsort", "trackers-sort")
TRACKER_NAMES: tuple[str, ...] = ("vigil", *REFERENCE_TRACKERS)


def _import_supervision() -> Any:
    try:
        import supervision
    except ImportError as e:
        raise ConfigError(f"reference trackers need the 'supervision' package ({e}); install vigil[reference]") from e
    return supervision


def _to_sv(detections: Detections) -> sv.Detections:
    svm = _import_supervision()
    out: sv.Detections = svm.Detections(
        xyxy=detections.xyxy.astype(np.float32, copy=True),
        confidence=detections.scores.astype(np.float32, copy=True),
        class_id=detections.class_ids.astype(int, copy=True),
    )
    return out


def _from_sv(out: sv.Detections, id_offset: int) -> Tracks:
    """Tracks from a library's output; rows without an id (-1: not yet confirmed) are dropped."""
    if len(out) == 0 or out.tracker_id is None:
        return Tracks.empty()
    ids = np.asarray(out.tracker_id, dtype=np.int64)
    keep = ids >= 0
    n = int(keep.sum())
    scores = np.zeros(n, np.float32) if out.confidence is None else np.asarray(out.confidence)[keep]
    classes = np.zeros(n, np.int64) if out.class_id is None else np.asarray(out.class_id)[keep]
    return Tracks(np.asarray(out.xyxy)[keep], ids[keep] + id_offset, scores, classes)


class _EndedIds:
    """Turns the set of alive track ids after each update into 'ended since last call'."""

    def __init__(self) -> None:
        self._alive: set[int] = set()
        self._ended: list[int] = []

    def observe(self, alive: set[int]) -> None:
        self._ended.extend(sorted(self._alive - alive))
        self._alive = alive

    def take(self) -> list[int]:
        ended, self._ended = self._ended, []
        return ended


class SupervisionByteTrack:
    """supervision's ``sv.ByteTrack`` (deprecated there since 0.28, still the reference figure)."""

    def __init__(self, fps: float) -> None:
        sv = _import_supervision()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*ByteTrack.* deprecated", category=FutureWarning)
            self._tracker = sv.ByteTrack(frame_rate=fps)
        self._no_id = self._tracker.external_id_counter.NO_ID
        self._ended = _EndedIds()

    def update(self, detections: Detections, t: float) -> Tracks:
        del t  # fixed frame rate: one call per frame
        out = self._tracker.update_with_detections(_to_sv(detections))
        alive = {
            int(s.external_track_id)
            for s in (*self._tracker.tracked_tracks, *self._tracker.lost_tracks)
            if s.external_track_id != self._no_id
        }
        self._ended.observe(alive)
        return _from_sv(out, id_offset=0)  # its external ids already start at 1

    def finished(self) -> list[int]:
        return self._ended.take()


_TRACKERS_CLASSES = {
    "trackers-bytetrack": "ByteTrackTracker",
    "trackers-ocsort": "OCSORTTracker",
    "trackers-sort": "SORTTracker",
}


class RoboflowTracker:
    """A tracker from Roboflow's ``trackers`` package (ByteTrackTracker, OCSORTTracker, SORTTracker)."""

    def __init__(self, name: str, fps: float) -> None:
        try:
            import trackers
        except ImportError as e:
            raise ConfigError(f"tracker {name!r} needs the 'trackers' package ({e}); install vigil[reference]") from e
        cls = getattr(trackers, _TRACKERS_CLASSES[name])
        self.name = name
        self._tracker = cls(frame_rate=fps)
        self._ended = _EndedIds()

    def update(self, detections: Detections, t: float) -> Tracks:
        del t  # fixed frame rate: one call per frame
        out = self._tracker.update(_to_sv(detections))
        # Its ids start at 0; Vigil's start at 1.
        self._ended.observe({int(tr.tracker_id) + 1 for tr in self._tracker.tracks if tr.tracker_id != -1})
        return _from_sv(out, id_offset=1)

    def finished(self) -> list[int]:
        return self._ended.take()


def make_tracker(name: str, fps: float, cfg: TrackerConfig | None = None) -> Tracker:
    """A fresh tracker by name (one per sequence / camera).

    fps: the sequence's frame rate, given to reference trackers that take one.
    cfg: Vigil's tracker config; reference trackers run on their defaults and ignore it.
    Raises ConfigError for an unknown name or a missing optional package; ImportError
    when ``vigil.track.VigilTracker`` is not available.
    """
    if not fps > 0:
        raise ConfigError(f"frame rate must be positive, got {fps}")
    if name == "vigil":
        from vigil.track import VigilTracker  # type: ignore[attr-defined,unused-ignore]

        tracker: Tracker = VigilTracker(cfg if cfg is not None else TrackerConfig())
        return tracker
    if name == "sv-bytetrack":
        return SupervisionByteTrack(fps)
    if name in _TRACKERS_CLASSES:
        return RoboflowTracker(name, fps)
    raise ConfigError(f"unknown tracker {name!r}; choose one of {', '.join(TRACKER_NAMES)}")
