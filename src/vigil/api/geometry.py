"""Zones, lines and rules of a camera: read (viewer of the camera) and replace (admin, audited).

A replacement is validated like the config file (polygons, names, rule parameters, rules
that name zones and lines) and then handed to the registry's ``apply_camera_config`` as the
camera's whole config, so only that camera changes.
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
    return Geometry(zones=list(cfg.zones), lines=list(cfg.lines), rules=list(cfg.rules))


@router.put("/{camera_id}/geometry", response_model=Geometry)
def put_geometry(
    camera_id: str, body: Geometry, principal: Configure, deps: Deps
) -> Geometry:
    """Replace the camera's zones and lines, and its rules when ``rules`` is given (admin).

    422 names the field: a bad polygon, a repeated name, a rule parameter out of bounds or
    unknown (``rules.N.min_dwell``), or a rule whose zone or line does not exist in the new
    geometry (``rules.N.zone``). Nothing is applied unless all of it is valid.
    """
    known_camera(deps, camera_id)
    cfg = deps.cameras.camera_config(camera_id)
    rules = cfg.rules if body.rules is None else tuple(body.rules)
    problem = check_references(camera_id, body.zones, body.lines, rules)
    if problem is not None:
        raise RequestValidationError(_errors(problem))
    try:
        new = cfg.model_validate(
            {**cfg.model_dump(), "zones": body.zones, "lines": body.lines, "rules": rules}
        )
    except ValidationError as e:
        raise RequestValidationError(_errors(e)) from e
    deps.cameras.apply_camera_config(camera_id, new)
    deps.auth.record_audit(
        principal.actor, "camera.geometry", f"camera {camera_id}",
        {
            "zones": [z.name for z in new.zones], "lines": [x.name for x in new.lines],
            "rules_replaced": body.rules is not None,
            "rules": [r.model_dump(mode="json", exclude_defaults=True) for r in new.rules],
        },
    )  # fmt: skip
    log.info(
        "camera %s: zones and lines%s replaced by %s",
        camera_id, "" if body.rules is None else " and rules", principal.actor,
    )  # fmt: skip
    return Geometry(zones=list(new.zones), lines=list(new.lines), rules=list(new.rules))


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
