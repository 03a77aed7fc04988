"""Active hours: is a rule armed at a frame's wall-clock time?

The stream clock (``t``) measures durations; the time of day comes from the
wall-clock timestamp given with the frame (seconds since the Unix epoch), turned
into local time in the configured time zone. Tests inject any wall time they like.
With no wall time (e.g. a file analysed offline) every rule is armed.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from vigil.config.analytics import WEEKDAYS, ActiveHours

log = logging.getLogger(__name__)


class ActiveSchedule:
    """``armed(wall_time) -> bool`` for one rule's ``active_hours`` (None: always armed)."""

    def __init__(self, cfg: ActiveHours | None, default_tz: tzinfo | None = None) -> None:
        self._cfg = cfg
        self._tz: tzinfo | None = None
        if cfg is not None:
            self._tz = ZoneInfo(cfg.timezone) if cfg.timezone else default_tz
            self._windows = [
                (w.start_minute, w.end_minute, frozenset(WEEKDAYS.index(d) for d in w.days)) for w in cfg.windows
            ]
        self._cache: tuple[float, bool] | None = None
        self._warned = False

    def armed(self, wall_time: float | None) -> bool:
        if self._cfg is None:
            return True
        if wall_time is None:
            if not self._warned:
                log.info("active_hours: no wall-clock time with the frames, so the rule is always armed")
                self._warned = True
            return True
        if self._cache is not None and self._cache[0] == wall_time:
            return self._cache[1]
        local = datetime.fromtimestamp(wall_time, self._tz) if self._tz else datetime.fromtimestamp(wall_time)
        minute = local.hour * 60 + local.minute + local.second / 60.0
        day = local.weekday()
        result = False
        for start, end, days in self._windows:
            if start < end:
                hit = start <= minute < end and day in days
            elif minute >= start:  # wraps past midnight: evening part, starts today
                hit = day in days
            else:
                hit = minute < end and (day - 1) % 7 in days  # morning part, started yesterday
            if hit:
                result = True
                break
        self._cache = (wall_time, result)
        return result
