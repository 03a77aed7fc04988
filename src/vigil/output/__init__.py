"""What `vigil analyze` writes: tracks.txt, events.jsonl, annotated.mp4, report.html.

Every writer streams or aggregates into fixed-size structures, so memory does not
grow with the length of the video.
"""

from vigil.output.annotate import Annotator
from vigil.output.encoder import H264Writer
from vigil.output.events_jsonl import EventsJsonlWriter
from vigil.output.lifecycle import TrackLifecycle
from vigil.output.report import ReportBuilder, ReportStats
from vigil.output.scene import SceneGeometry
from vigil.output.summary import redact_url, run_summary
from vigil.output.tracks_txt import TracksTxtWriter
from vigil.output.video import AnnotatedVideoWriter

__all__ = [
    "AnnotatedVideoWriter",
    "Annotator",
    "EventsJsonlWriter",
    "H264Writer",
    "ReportBuilder",
    "ReportStats",
    "SceneGeometry",
    "TrackLifecycle",
    "TracksTxtWriter",
    "redact_url",
    "run_summary",
]
