from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from vigil.errors import OutputError
from vigil.output import EventsJsonlWriter
from vigil.types import Event


def test_one_json_object_per_line_flushed_per_event(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    start = Event("running", "start", 1.23456, "gate <1>", (4, 5), 1.2, {"speed": 3.5, "note": "é"}, 0.75)
    end = Event("running", "end", 2.5, "gate <1>", (4, 5), 1.2, {"speed": math.nan, "path": [1.0, math.inf]})
    with EventsJsonlWriter(path) as w:
        w.write(start)
        # flushed: another reader sees the line before the writer closes
        assert json.loads(path.read_text(encoding="utf-8").splitlines()[0]) == start.to_json()
        w.write_all([end])
        assert w.events_written == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    second = json.loads(lines[1])
    assert second["phase"] == "end" and second["t"] == 2.5 and second["track_ids"] == [4, 5]
    assert second["attributes"] == {"speed": None, "path": [1.0, None]}  # NaN/inf are not JSON


def test_write_after_close_raises(tmp_path: Path) -> None:
    w = EventsJsonlWriter(tmp_path / "e.jsonl")
    w.close()
    with pytest.raises(OutputError, match="e.jsonl"):
        w.write(Event("x", "instant", 0.0, "c"))
