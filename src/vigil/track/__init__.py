"""Multi-object tracking: ``VigilTracker(cfg).update(detections, t) -> Tracks``."""

from vigil.track.base import Tracker
from vigil.track.tracker import VigilTracker

__all__ = ["Tracker", "VigilTracker"]
