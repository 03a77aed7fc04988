"""Snapshots and clips of an event: the list and the downloads (HTTP Range for seeking in video)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import FileResponse

from vigil.api.deps import Deps
from vigil.api.events import event_for
from vigil.api.files import content_type, resolve_media
from vigil.api.schemas import MediaOut
from vigil.auth import CurrentUser

router = APIRouter(prefix="/api/events", tags=["media"])


@router.get("/{event_id}/media", response_model=list[MediaOut])
def list_media(event_id: str, principal: CurrentUser, deps: Deps) -> list[MediaOut]:
    event_for(deps, principal, event_id)
    return [MediaOut.of(i, m) for i, m in enumerate(deps.events.media(event_id))]


@router.get(
    "/{event_id}/media/{index}",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/mp4": {}, "image/jpeg": {}}},
        206: {"description": "the requested byte range"},
        416: {"description": "range not satisfiable"},
    },
)
def download_media(
    event_id: str,
    index: Annotated[int, Path(ge=0, le=100_000)],
    principal: CurrentUser,
    deps: Deps,
) -> FileResponse:
    """The file: video/mp4 clips, image/jpeg snapshots. Honours ``Range: bytes=...``."""
    event_for(deps, principal, event_id)
    refs = deps.events.media(event_id)
    if index >= len(refs):
        raise HTTPException(
            404,
            detail=f"event {event_id!r} has {len(refs)} media files; no index {index}",
        )
    path = resolve_media(deps.data_dir, refs[index].path)
    return FileResponse(
        path,
        media_type=content_type(path),
        filename=path.name,
        content_disposition_type="inline",
    )
