"""Zones and lines of a camera: read (viewer of the camera) and replace (admin, audited).

A replacement is validated like the config file (polygons, names, rules that name zones and
lines) and then handed to the registry's ``apply_camera_config``.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from vigil.api.deps import Deps, known_camera
from vigil.api.schemas import Geometry
from vigil.auth import Action, Principal, require_camera
from vigil.config.analytics import check_references

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/cameras", tags=["geometry"])
View = Annotated[Principal, Depends(require_camera())]
Configure = Annotated[Principal, Depends(require_camera(Action.CONFIGURE))]


@router.get("/{camera_id}/geometry", response_model=Geometry)
def get_geometry(camera_id: str, _: View, deps: Deps) -> Geometry:
    known_camera(deps, camera_id)
    cfg = deps.cameras.camera_config(camera_id)
    return Geometry(zones=list(cfg.zones), lines=list(cfg.lines))


@router.put("/{camera_id}/geometry", response_model=Geometry)
def put_geometry(
    camera_id: str, body: Geometry, principal: Configure, deps: Deps
) -> Geometry:
    """Replace the camera's zones and lines (admin). 422 names the field: a bad polygon, a
    repeated name, or a rule whose zone or line would disappear (``rules.N.zone``)."""
    known_camera(deps, camera_id)
    cfg = deps.cameras.camera_config(camera_id)
    problem = check_references(camera_id, body.zones, body.lines, cfg.rules)
    if problem is not None:
        raise RequestValidationError(_errors(problem))
    try:
        new = cfg.model_validate(
            {**cfg.model_dump(), "zones": body.zones, "lines": body.lines}
        )
    except ValidationError as e:
        raise RequestValidationError(_errors(e)) from e
    deps.cameras.apply_camera_config(camera_id, new)
    deps.auth.record_audit(
        principal.actor, "camera.geometry", f"camera {camera_id}",
        {"zones": [z.name for z in new.zones], "lines": [x.name for x in new.lines]},
    )  # fmt: skip
    log.info("camera %s: zones and lines replaced by %s", camera_id, principal.actor)
    return Geometry(zones=list(new.zones), lines=list(new.lines))


def _errors(e: ValidationError) -> list[dict[str, object]]:
    return [
        {
            "type": err["type"],
            "loc": ("body", *err["loc"]),
            "msg": err["msg"],
            "input": None,
        }
        for err in e.errors(include_url=False)
    ]
