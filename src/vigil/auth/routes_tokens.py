"""/api/tokens: API tokens for machines. Users manage their own; admins everyone's.

Tokens are created from a browser session only: a leaked token must not be able to mint
successors that outlive its revocation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from vigil.auth._http import AuthDep, to_http
from vigil.auth.deps import CurrentUser
from vigil.auth.errors import AuthError
from vigil.auth.permissions import Action, can
from vigil.auth.schemas import TokenCreatedOut, TokenCreateRequest, TokenOut

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


@router.get("")
def list_tokens(
    principal: CurrentUser,
    auth: AuthDep,
    user_id: Annotated[int | None, Query(description="Admins: this user's tokens.")] = None,
    all: Annotated[bool, Query(description="Admins: everyone's tokens.")] = False,
) -> list[TokenOut]:
    """My tokens (revoked ones included); admins may ask for one user's or all."""
    me = principal.user
    if (all or (user_id is not None and user_id != me.id)) and not can(me, Action.MANAGE_TOKENS):
        raise HTTPException(403, detail="only admins may list other users' tokens")
    owner = None if all else (user_id if user_id is not None else me.id)
    return [TokenOut.of(t) for t in auth.store.list_tokens(owner)]


@router.post("", status_code=201)
def create_token(body: TokenCreateRequest, principal: CurrentUser, auth: AuthDep) -> TokenCreatedOut:
    """Issue a token (for myself, or as admin for user_id); the response holds it this once."""
    if principal.method != "session":
        raise HTTPException(403, detail="API tokens cannot create tokens; log in to create one")
    me = principal.user
    owner = body.user_id if body.user_id is not None else me.id
    if owner != me.id and not can(me, Action.MANAGE_TOKENS):
        raise HTTPException(403, detail="only admins may create tokens for other users")
    try:
        raw, token = auth.store.create_token(owner, body.name, actor=principal.actor, expires_in_s=body.expires_in_s)
    except AuthError as e:
        raise to_http(e) from e
    return TokenCreatedOut(token=raw, **TokenOut.of(token).model_dump())


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: int, principal: CurrentUser, auth: AuthDep) -> None:
    """Revoke one of my tokens (admins: anyone's); others' tokens look like missing ones (404)."""
    token = auth.store.get_token(token_id)
    if token is None or (token.user_id != principal.user.id and not can(principal.user, Action.MANAGE_TOKENS)):
        raise HTTPException(404, detail=f"no API token with id {token_id}")
    try:
        auth.store.revoke_token(token_id, actor=principal.actor)
    except AuthError as e:
        raise to_http(e) from e
