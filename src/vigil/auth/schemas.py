"""Request and response bodies of the auth API. Requests forbid unknown fields, so a typo is
a 422 whose `loc` names the field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from vigil.auth.errors import AuthInputError
from vigil.auth.models import (
    PASSWORD_MAX,
    ApiToken,
    AuditEntry,
    Role,
    User,
    check_camera_id,
    check_username,
)
from vigil.auth.store import TOKEN_NAME_MAX


def _username(value: str) -> str:
    try:
        return check_username(value)
    except AuthInputError as e:
        raise ValueError(e.reason) from e


def _camera(value: str) -> str:
    try:
        return check_camera_id(value)
    except AuthInputError as e:
        raise ValueError(e.reason) from e


Username = Annotated[str, AfterValidator(_username)]
Password = Annotated[str, Field(min_length=1, max_length=PASSWORD_MAX)]
CameraId = Annotated[str, AfterValidator(_camera)]
CameraScope = Literal["*"] | Annotated[list[CameraId], Field(max_length=1000)]

TEN_YEARS_S = 10 * 365 * 86400


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoginRequest(Request):
    # Loose limits: the login must not tell which usernames could exist.
    username: str = Field(min_length=1, max_length=256)
    password: Password


class SetupRequest(Request):
    token: str = Field(min_length=1, max_length=256, description="The one-time token printed at first start.")
    username: Username
    password: Password


class PasswordChangeRequest(Request):
    current_password: Password
    new_password: Password


class UserCreateRequest(Request):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    username: Username
    password: Password
    role: Role
    cameras: CameraScope | None = Field(
        None, description="'*' for all cameras, or a list of camera ids; required unless the role is admin."
    )

    @field_validator("cameras")
    @classmethod
    def _scope_given(cls, value: str | list[str] | None, info: ValidationInfo) -> str | list[str]:
        if value is not None:
            return value
        role = info.data.get("role")
        if role is None or role is Role.ADMIN:
            return "*"
        raise ValueError(f"required for role {role.value}: '*' or a list of camera ids")


class UserUpdateRequest(Request):
    role: Role | None = None
    cameras: CameraScope | None = None
    disabled: bool | None = None
    password: Password | None = None


class TokenCreateRequest(Request):
    name: str = Field(min_length=1, max_length=TOKEN_NAME_MAX, description="What the token is for.")
    expires_in_s: float | None = Field(None, gt=0, le=TEN_YEARS_S, description="Seconds until it expires; null: never.")
    user_id: int | None = Field(None, description="Admins only: issue the token for this user.")


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    cameras: Literal["*"] | list[str]
    created_at: datetime
    disabled: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        cams: Literal["*"] | list[str] = user.cameras if isinstance(user.cameras, str) else list(user.cameras)
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            cameras=cams,
            created_at=user.created_at,
            disabled=user.disabled,
        )


class MeOut(BaseModel):
    user: UserOut
    method: Literal["session", "token"]
    csrf_token: str | None = Field(None, description="Send it as X-CSRF-Token on unsafe requests (sessions only).")


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str
    expires_at: datetime


class TokenOut(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            user_id=token.user_id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
            expires_at=token.expires_at,
        )


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, store it now.")


class AuditOut(BaseModel):
    id: int
    time: datetime
    actor: str
    action: str
    target: str
    details: dict[str, object]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditOut:
        return cls(
            id=entry.id, time=entry.time, actor=entry.actor, action=entry.action, target=entry.target,
            details=entry.details,
        )

