"""events.jsonl: one JSON object per event, flushed as it happens."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

from vigil.errors import OutputError
from vigil.output._files import open_text
from vigil.types import Event


def _finite(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def event_line(event: Event) -> str:
    """The JSON line (without newline) for one event."""
    return json.dumps(_finite(event.to_json()), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class EventsJsonlWriter:
    """Appends ``Event.to_json()`` as one line per event and flushes after each,
    so that a reader tailing the file sees events as they happen."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file = open_text(self.path)
        self.events_written = 0

    def write(self, event: Event) -> None:
        if self._file.closed:
            raise OutputError(f"{self.path}: write after close")
        try:
            self._file.write(event_line(event) + "\n")
            self._file.flush()
        except OSError as e:
            raise OutputError(f"{self.path}: cannot write event: {e.strerror or e}") from e
        self.events_written += 1

    def write_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.write(event)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> EventsJsonlWriter:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
