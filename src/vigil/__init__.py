"""Vigil: self-hosted video analytics that understands behaviour, never identity."""

from vigil.errors import VigilError
from vigil.types import Detections, Event, Frame, Tracks

__version__ = "0.1.0"

__all__ = ["Detections", "Event", "Frame", "Tracks", "VigilError", "__version__"]
