"""Opening output files: parent folders are created, failures name the path."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from vigil.errors import OutputError


def prepare_path(path: str | Path) -> Path:
    """Create the parent folder of ``path``; raise OutputError naming it when that fails."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"{p}: cannot create output folder {p.parent}: {e.strerror or e}") from e
    return p


def open_text(path: str | Path) -> TextIO:
    """Open a UTF-8 text file for writing (truncating it), with '\\n' line ends."""
    p = prepare_path(path)
    try:
        return p.open("w", encoding="utf-8", newline="\n")
    except OSError as e:
        raise OutputError(f"{p}: cannot open output file for writing: {e.strerror or e}") from e


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to a temporary sibling, then rename it over ``path``."""
    p = prepare_path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, p)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{p}: cannot write output file: {e.strerror or e}") from e
