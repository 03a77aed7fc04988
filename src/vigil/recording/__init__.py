"""Recording: event clips with pre/post roll, snapshots, continuous segments, redaction and retention.

A serve worker feeds every frame to a :class:`ClipRecorder` (and a :class:`SegmentRecorder`
when continuous recording is on) and runs one :class:`Retention` job per data directory.
"""

from vigil.recording.base import RecorderHealth, WallClock
from vigil.recording.clips import ClipRecorder
from vigil.recording.disk import DiskGuard, is_disk_full
from vigil.recording.media import MediaFile, VideoWriter
from vigil.recording.preroll import PrerollBuffer
from vigil.recording.redact import Redactor
from vigil.recording.retention import Retention, RetentionReport
from vigil.recording.segments import SegmentRecorder

__all__ = [
    "ClipRecorder",
    "DiskGuard",
    "MediaFile",
    "PrerollBuffer",
    "RecorderHealth",
    "Redactor",
    "Retention",
    "RetentionReport",
    "SegmentRecorder",
    "VideoWriter",
    "WallClock",
    "is_disk_full",
]
