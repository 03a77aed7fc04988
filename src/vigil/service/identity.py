"""Stable event ids in the camera worker, by the event store's own rule, in memory.

The worker names each event before the parent stores it, so that media files (written
by the worker) and the event row carry the same id:

    ids = EventIdentity(run, camera)
    eid = ids.id_for(event)          # == EventStore.record(event, run=run) for the same records

The rule (``EventStore.record`` / ``_find_event``, ``vigil.events.ids``): a start or
instant record gets ``event_id(run, camera, rule, kind, started, track_ids)``; an update
or end record joins the event of the same rule, kind and onset that shares the most
track ids (an open one first when as many are shared; then the earliest), or starts one
with a new id if there is none. An event's track ids grow with each record (their union).

Memory stays bounded: an event is forgotten ``keep`` seconds (stream time) after it
ended, and at most ``max_events`` are kept (the oldest go first).
"""

from __future__ import annotations

import importlib.util
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from vigil.types import Event

KEEP_SECONDS = 600.0
MAX_EVENTS = 4096



def _ids_module() -> ModuleType:
    """``vigil.events.ids``, without importing the ``vigil.events`` package where it is not loaded yet.

    The package's ``__init__`` imports the event store (SQLAlchemy, Alembic, Mako): about
    0.4 s more to start every camera worker, and a slower exit (the interpreter's final
    garbage collection), for a module that needs only ``uuid``.
    """
    if "vigil.events" in sys.modules:
        import vigil.events.ids

        return vigil.events.ids
    path = Path(__file__).resolve().parent.parent / "events" / "ids.py"
    spec = importlib.util.spec_from_file_location("vigil.service._event_ids", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the package is installed with its files
        raise ImportError(f"{path}: cannot load the event id rule")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


event_id: Callable[[str, str, str, str, float, Iterable[int]], str] = _ids_module().event_id

_Key = tuple[str, str, str, str]  # camera, rule, kind, onset formatted as in the id


@dataclass(slots=True)
class _Known:
    eid: str
    key: _Key
    track_ids: set[int]
    ended_at: float | None  # stream time of its end (instant: its time); None while open


class EventIdentity:
    """Names the events of one pipeline run of one camera. Not thread-safe (one frame loop)."""

    def __init__(self, run: str, camera: str, *, keep: float = KEEP_SECONDS, max_events: int = MAX_EVENTS) -> None:
        if not keep > 0:
            raise ValueError(f"event identity keep must be > 0 seconds, got {keep}")
        if max_events < 1:
            raise ValueError(f"event identity max_events must be >= 1, got {max_events}")
        self.run = run
        self.camera = camera
        self.keep = keep
        self.max_events = max_events
        self._known: OrderedDict[str, _Known] = OrderedDict()  # by id, in order of creation
        self._by_key: dict[_Key, list[str]] = {}
        self._latest = -float("inf")
        self._swept = -float("inf")

    def __len__(self) -> int:
        return len(self._known)

    def id_for(self, event: Event) -> str:
        """The id the event store gives this record of ``event`` (see the module docstring)."""
        rule = event.attributes.get("rule")
        rule_name = "" if rule is None else str(rule)
        started = event.t if event.started is None else event.started
        ids = {int(i) for i in event.track_ids}
        key: _Key = (event.camera, rule_name, event.kind, f"{started:.6f}")
        eid: str | None = None
        if event.phase in ("update", "end"):
            eid = self._find(key, ids)
        if eid is None:
            eid = event_id(self.run, event.camera, rule_name, event.kind, started, ids)
        known = self._known.get(eid)
        if known is None:  # a new row: an instant one is ended at once
            known = _Known(eid, key, set(), event.t if event.phase == "instant" else None)
            self._known[eid] = known
            self._by_key.setdefault(key, []).append(eid)
        known.track_ids |= ids
        if event.phase == "end":
            known.ended_at = event.t if known.ended_at is None else min(known.ended_at, event.t)
        self._latest = max(self._latest, event.t)
        self._forget()
        return eid

    def _find(self, key: _Key, ids: set[int]) -> str | None:
        """The store's choice: most shared track ids, then open before ended, then the first by id.

        (The store orders candidates by start time, then id; in one run, events of one onset
        start at the same wall time, so the id decides.)
        """
        candidates = self._by_key.get(key)
        if not candidates:
            return None
        known = self._known
        return max(sorted(candidates), key=lambda e: (len(ids & known[e].track_ids), known[e].ended_at is None))

    def _forget(self) -> None:
        if self._latest - self._swept >= 1.0:  # a sweep a second (stream time) is enough
            self._swept = self._latest
            old = self._latest - self.keep
            for eid in [e for e, k in self._known.items() if k.ended_at is not None and k.ended_at < old]:
                self._drop(eid)
        while len(self._known) > self.max_events:
            self._drop(next(iter(self._known)))

    def _drop(self, eid: str) -> None:
        known = self._known.pop(eid)
        same = self._by_key[known.key]
        same.remove(eid)
        if not same:
            del self._by_key[known.key]
