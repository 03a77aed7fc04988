"""Serving media files from the data directory: paths stay inside it, types come from the suffix."""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException

CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def resolve_media(data_dir: Path, relative: str) -> Path:
    """The file `relative` names inside `data_dir`; 404 when it is missing or lies outside
    (absolute paths, ``..``, symlinks out of the directory)."""
    root = data_dir.resolve()
    try:
        path = (root / relative).resolve()
    except (OSError, RuntimeError, ValueError) as e:
        raise HTTPException(
            404, detail=f"media file {relative!r} cannot be resolved"
        ) from e
    if not path.is_relative_to(root):
        raise HTTPException(
            404, detail=f"media file {relative!r} is outside the data directory"
        )
    if not path.is_file():
        raise HTTPException(404, detail=f"media file {relative!r} is missing")
    return path


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
