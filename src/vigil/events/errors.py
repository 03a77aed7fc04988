"""Errors of the event store, from the one exception tree in vigil.errors."""

from vigil.errors import EventNotFoundError, StoreError

__all__ = ["EventNotFoundError", "StoreError"]
