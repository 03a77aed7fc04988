"""What every recorder and the retention job report about themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

HealthState = Literal["ok", "disk_full", "error", "stopped"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")


@dataclass(frozen=True, slots=True)
class RecorderHealth:
    """state: ok (recording or ready), disk_full (paused until space returns), error (the last
    file failed for another reason; the next one is tried), stopped (closed).
    message: why, when not ok. files: media files finished so far. recording: a file is open now.
    """

    state: HealthState
    message: str | None = None
    files: int = 0
    recording: bool = False


def safe_name(text: str) -> str:
    """``text`` usable as one path component (camera names may hold spaces and ':')."""
    name = _UNSAFE.sub("_", text).strip("._")
    return name or "_"


class WallClock:
    """Stream time (s) to timezone-aware wall-clock time: ``epoch`` is the wall time of pts 0.

    Without an epoch, the first ``at`` call fixes it so that that pts maps to now (live cameras).
    """

    def __init__(self, epoch: datetime | None = None) -> None:
        if epoch is not None and epoch.tzinfo is None:
            raise ValueError(f"recording epoch {epoch.isoformat()}: must be timezone-aware")
        self.epoch = epoch

    def at(self, pts: float) -> datetime:
        if self.epoch is None:
            self.epoch = datetime.now(UTC) - timedelta(seconds=pts)
        return self.epoch + timedelta(seconds=pts)
