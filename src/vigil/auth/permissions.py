"""Who may do what: roles, actions and the single `can` check every route goes through.

    viewer    VIEW camera-scoped data (events, snapshots, clips, live, counts) of their cameras
    operator  viewer + ACKNOWLEDGE events and add notes, on their cameras
    admin     everything, on every camera: CONFIGURE (zones, rules, cameras), MANAGE_USERS,
              MANAGE_TOKENS (everyone's), VIEW_AUDIT

Disabled users can do nothing. Every user may manage their own API tokens and password.
"""

from __future__ import annotations

from enum import StrEnum

from vigil.auth.models import Role, User


class Action(StrEnum):
    VIEW = "view"
    ACKNOWLEDGE = "acknowledge"
    CONFIGURE = "configure"
    MANAGE_USERS = "manage_users"
    MANAGE_TOKENS = "manage_tokens"
    VIEW_AUDIT = "view_audit"


MIN_ROLE: dict[Action, Role] = {
    Action.VIEW: Role.VIEWER,
    Action.ACKNOWLEDGE: Role.OPERATOR,
    Action.CONFIGURE: Role.ADMIN,
    Action.MANAGE_USERS: Role.ADMIN,
    Action.MANAGE_TOKENS: Role.ADMIN,
    Action.VIEW_AUDIT: Role.ADMIN,
}
"""The least role each action needs."""

CAMERA_SCOPED = frozenset({Action.VIEW, Action.ACKNOWLEDGE})
"""Actions limited to the user's cameras (for the others the camera only matters to admins, who see all)."""


def can(user: User, action: Action, camera_id: str | None = None) -> bool:
    """Whether `user` may do `action`, on `camera_id` when given.

    Without a camera, a camera-scoped action asks "may this user do it on some camera":
    routes that list across cameras must still filter with `allowed_cameras`.
    """
    if user.disabled or user.role.rank < MIN_ROLE[action].rank:
        return False
    if camera_id is None or action not in CAMERA_SCOPED:
        return True
    return user.sees_camera(camera_id)


def allowed_cameras(user: User) -> frozenset[str] | None:
    """The camera ids this user may see, or None for all of them (admins and ``"*"`` scopes)."""
    if user.role is Role.ADMIN or isinstance(user.cameras, str):
        return None
    return frozenset(user.cameras)
