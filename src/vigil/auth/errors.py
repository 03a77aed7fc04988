"""Auth errors live in the one exception tree, vigil.errors; re-exported here for the auth package."""

from vigil.errors import (
    AuthError,
    AuthInputError,
    LastAdminError,
    SetupDoneError,
    SetupError,
    SetupTokenError,
    TokenNotFoundError,
    UserExistsError,
    UserNotFoundError,
)

__all__ = [
    "AuthError",
    "AuthInputError",
    "LastAdminError",
    "SetupDoneError",
    "SetupError",
    "SetupTokenError",
    "TokenNotFoundError",
    "UserExistsError",
    "UserNotFoundError",
]
