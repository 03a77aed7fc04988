"""Cameras: the list (only those the caller may see), health, latest snapshot, live MJPEG
(the registry counts its viewers) and the latest tracks to draw over it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from vigil.api.deps import Deps, known_camera
from vigil.api.schemas import CameraHealthOut, CameraOut, OverlayOut
from vigil.auth import CurrentUser, Principal, allowed_cameras, require_camera

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/cameras", tags=["cameras"])
View = Annotated[Principal, Depends(require_camera())]

BOUNDARY = "vigilframe"


@router.get("", response_model=list[CameraOut])
def list_cameras(principal: CurrentUser, deps: Deps) -> list[CameraOut]:
    """The cameras the caller may see, in config order."""
    allowed = allowed_cameras(principal.user)
    out = []
    for cid in deps.cameras.camera_ids():
        if allowed is None or cid in allowed:
            cfg = deps.cameras.camera_config(cid)
            out.append(
                CameraOut.of(cid, cfg)
            )
    return out


@router.get("/{camera_id}", response_model=CameraOut)
def get_camera(camera_id: str, _: View, deps: Deps) -> CameraOut:
    known_camera(deps, camera_id)
    cfg = deps.cameras.camera_config(camera_id)
    return CameraOut.of(camera_id, cfg)


@router.get("/{camera_id}/health", response_model=CameraHealthOut)
def camera_health(camera_id: str, _: View, deps: Deps) -> CameraHealthOut:
    known_camera(deps, camera_id)
    return CameraHealthOut.of(deps.cameras.health(camera_id))


@router.get(
    "/{camera_id}/snapshot.jpg",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}},
        404: {"description": "no frame yet"},
    },
)
def latest_snapshot(camera_id: str, _: View, deps: Deps) -> Response:
    """The latest frame as JPEG (404 before the first frame)."""
    known_camera(deps, camera_id)
    frame = deps.cameras.latest_frame(camera_id)
    if frame is None:
        raise HTTPException(404, detail=f"camera {camera_id!r} has no frame yet")
    return Response(
        frame, media_type="image/jpeg", headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/{camera_id}/overlay",
    response_model=OverlayOut,
    responses={404: {"description": "no analysed frame yet"}},
)
def latest_overlay(camera_id: str, _: View, deps: Deps) -> OverlayOut:
    """The tracks of the latest analysed frame: boxes and trails, normalised to the image
    (404 before the first frame)."""
    known_camera(deps, camera_id)
    overlay = deps.cameras.latest_overlay(camera_id)
    if overlay is None:
        raise HTTPException(404, detail=f"camera {camera_id!r} has no analysed frame yet")
    return OverlayOut.of(camera_id, overlay)


class _LiveResponse(StreamingResponse):
    """A stream whose frame generator is closed as soon as the response ends, also when
    the client goes away while a frame is being sent (so the viewer count drops at once)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                await close()


@router.get(
    "/{camera_id}/live.mjpeg",
    response_class=StreamingResponse,
    responses={
        200: {"content": {f"multipart/x-mixed-replace; boundary={BOUNDARY}": {}}}
    },
)
def live_mjpeg(camera_id: str, _: View, deps: Deps) -> StreamingResponse:
    """Live video as MJPEG (``multipart/x-mixed-replace``), for an ``<img>`` tag. While it
    streams, the camera counts one more viewer (``CameraRegistry.watch``)."""
    known_camera(deps, camera_id)
    registry = deps.cameras

    async def parts() -> AsyncIterator[bytes]:
        with registry.watch(camera_id):
            frames = registry.subscribe_frames(camera_id)
            try:
                async for jpeg in frames:
                    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                    yield head.encode() + jpeg + b"\r\n"
            finally:
                close = getattr(frames, "aclose", None)
                if close is not None:
                    await close()

    return _LiveResponse(
        parts(),
        media_type=f"multipart/x-mixed-replace; boundary={BOUNDARY}",
        headers={"Cache-Control": "no-store"},
    )
