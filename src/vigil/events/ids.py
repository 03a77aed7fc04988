"""Stable ids: the same event always gets the same id, so consumers can de-duplicate.

An event id is a UUIDv5 of the pipeline run, camera, rule, kind, onset (stream time)
and the track ids at the onset. ``run`` names one run of a camera's pipeline: stream
time starts again at 0 when a camera restarts, so without it an event of a new run
could take the id of an old one. Update and end records reuse the id of their start
(the store finds it; see ``EventStore.record``), because track ids may change during
an event (people join and leave a gathering).

A message id names one record (start, update, end, instant) of an event: the id of
what an output delivers; redeliveries after an outage repeat it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

NAMESPACE = uuid.UUID("5b0f4f8e-2f0a-4d43-9a43-6c1d7e0b9a11")
"""UUIDv5 namespace of Vigil event ids (fixed forever: changing it changes every id)."""

_SEP = "\x1f"  # unit separator: cannot occur in a name


def event_id(
    run: str, camera: str, rule: str, kind: str, started: float, track_ids: Iterable[int]
) -> str:
    """The id of the event that ``run``/``camera``/``rule`` raised at stream time ``started``."""
    ids = ",".join(str(i) for i in sorted({int(i) for i in track_ids}))
    key = _SEP.join((run, camera, rule, kind, f"{started:.6f}", ids))
    return str(uuid.uuid5(NAMESPACE, key))


def message_id(event: str, phase: str, t: float) -> str:
    """The id of the ``phase`` record at stream time ``t`` of event ``event``."""
    return str(uuid.uuid5(NAMESPACE, _SEP.join((event, phase, f"{t:.6f}"))))
