"""/api/users (create, list, change, delete users) and /api/audit: admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from vigil.auth._http import AuthDep, to_http
from vigil.auth.deps import Principal, require_role
from vigil.auth.errors import AuthError
from vigil.auth.models import Role
from vigil.auth.schemas import AuditOut, UserCreateRequest, UserOut, UserUpdateRequest

Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]

users_router = APIRouter(prefix="/api/users", tags=["users"])
audit_router = APIRouter(prefix="/api/audit", tags=["audit"])


@users_router.get("")
def list_users(_: Admin, auth: AuthDep) -> list[UserOut]:
    return [UserOut.of(u) for u in auth.store.list_users()]


@users_router.post("", status_code=201)
def create_user(body: UserCreateRequest, admin: Admin, auth: AuthDep) -> UserOut:
    assert body.cameras is not None  # filled in by the request model
    try:
        user = auth.store.create_user(body.username, body.password, body.role, body.cameras, actor=admin.actor)
    except AuthError as e:
        raise to_http(e) from e
    return UserOut.of(user)


@users_router.get("/{user_id}")
def get_user(user_id: int, _: Admin, auth: AuthDep) -> UserOut:
    user = auth.store.get_user(user_id)
    if user is None:
        raise HTTPException(404, detail=f"no user with id {user_id}")
    return UserOut.of(user)


@users_router.patch("/{user_id}")
def update_user(user_id: int, body: UserUpdateRequest, admin: Admin, auth: AuthDep) -> UserOut:
    """Change role, cameras, disabled or password; a new password or disabling ends their sessions."""
    try:
        user = auth.store.update_user(
            user_id,
            actor=admin.actor,
            role=body.role,
            cameras=body.cameras,
            disabled=body.disabled,
            password=body.password,
        )
    except AuthError as e:
        raise to_http(e) from e
    return UserOut.of(user)


@users_router.delete("/{user_id}", status_code=204)
def delete_user(user_id: int, admin: Admin, auth: AuthDep) -> None:
    """Delete the user, their sessions and tokens (409 for the last enabled admin)."""
    try:
        auth.store.delete_user(user_id, actor=admin.actor)
    except AuthError as e:
        raise to_http(e) from e


@audit_router.get("")
def list_audit(
    _: Admin,
    auth: AuthDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1)] = None,
) -> list[AuditOut]:
    """Administrative actions, newest first; page with before_id."""
    return [AuditOut.of(e) for e in auth.store.list_audit(limit, before_id)]
