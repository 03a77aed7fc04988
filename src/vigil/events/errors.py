"""Errors of the event store.

They belong in ``vigil.errors`` (``StoreError(VigilError)``, ``EventNotFoundError(StoreError)``)
and live here until that module gains them; import them from ``vigil.events``.
"""

from __future__ import annotations

from vigil.errors import VigilError


class StoreError(VigilError):
    """The event database cannot be opened, migrated, read or written."""


class EventNotFoundError(StoreError):
    """No stored event has the given id."""
