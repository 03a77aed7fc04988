"""The system page's data: version, health and CPU of the caller's cameras, storage against the
retention cap, outbox backlog per destination.

Operators and admins only (viewers: 403): operators keep the system running day to day
and need to see a full disk or a stuck output; they see the health of their cameras only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from vigil import __version__
from vigil.api.deps import Deps
from vigil.api.schemas import CameraHealthOut, OutboxOut, StorageOut, SystemOut
from vigil.auth import Principal, Role, allowed_cameras, require_role
from vigil.errors import CameraNotFoundError

router = APIRouter(prefix="/api", tags=["system"])
Operator = Annotated[Principal, Depends(require_role(Role.OPERATOR))]


@router.get("/system", response_model=SystemOut)
def system(principal: Operator, deps: Deps) -> SystemOut:
    """Version, camera health (with CPU use), storage and outbox backlog (operator or admin)."""
    allowed = allowed_cameras(principal.user)
    cameras = []
    for cid in deps.cameras.camera_ids():
        if allowed is None or cid in allowed:
            try:
                cameras.append(CameraHealthOut.of(deps.cameras.health(cid)))
            except CameraNotFoundError:
                continue  # removed meanwhile
    provider = deps.system
    storage = None if provider is None else StorageOut.of(provider.storage())
    health = None if provider is None else provider.outbox()
    if health is not None:
        outbox = OutboxOut.of(health)
    else:
        outbox = OutboxOut.of_stats(deps.events.outbox.stats(), deps.events.clock())
    return SystemOut(version=__version__, cameras=cameras, storage=storage, outbox=outbox)
