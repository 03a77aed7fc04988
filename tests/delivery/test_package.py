"""The public surfaces of vigil.events and vigil.delivery are what __all__ says."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["vigil.events", "vigil.delivery"])
def test_public_names_resolve(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    for attr in module.__all__:
        assert getattr(module, attr) is not None, attr
    public = {a for a in vars(module) if not a.startswith("_") and not isinstance(getattr(module, a), type(module))}
    assert public == set(module.__all__)
