"""Where the shared benchmark data lives: $VIGIL_DATA, else ../shared/data if it exists."""

from __future__ import annotations

import os
from pathlib import Path

from vigil.errors import DatasetError


def find_data_dir() -> Path | None:
    """The benchmark data folder, or None when there is none."""
    env = os.environ.get("VIGIL_DATA")
    if env:
        p = Path(env).expanduser()
        return p if p.is_dir() else None
    for base in (Path.cwd(), Path(__file__).resolve().parents[3]):
        cand = base.parent / "shared" / "data"
        if cand.is_dir():
            return cand
    return None


def require_data_dir() -> Path:
    p = find_data_dir()
    if p is None:
        raise DatasetError(
            "benchmark data not found: set VIGIL_DATA to the folder holding mot/, videos/, models/ "
            "(the developers' copy is ../shared/data beside the checkout)"
        )
    return p
