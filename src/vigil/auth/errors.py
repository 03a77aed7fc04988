"""Errors of the auth package (to move into vigil.errors; see the note there).

    VigilError
    └── AuthError                  an auth operation cannot be done
        ├── AuthInputError         a value is invalid; `field` names it (username, password, cameras, ...)
        ├── UserExistsError        the username is taken (case-insensitively)
        ├── UserNotFoundError      no user with that id or name
        ├── TokenNotFoundError     no API token with that id
        ├── LastAdminError         the change would leave no enabled admin
        └── SetupError             first-admin setup refused
            ├── SetupDoneError         an admin exists already
            └── SetupTokenError        the setup token is wrong, used or expired

Every message names the user, token or field and what is wrong. The HTTP layer maps
them to 422 / 409 / 404 / 403; the CLI prints them as one line (exit 2).
"""

from __future__ import annotations

from vigil.errors import VigilError


class AuthError(VigilError):
    """An authentication or user-management operation cannot be done."""


class AuthInputError(AuthError):
    """A value is invalid; `field` names it as the API request names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class UserExistsError(AuthError):
    """The username is taken (usernames are unique regardless of case)."""


class UserNotFoundError(AuthError):
    """No user has that id or username."""


class TokenNotFoundError(AuthError):
    """No API token has that id."""


class LastAdminError(AuthError):
    """Deleting, disabling or demoting this user would leave no enabled admin."""


class SetupError(AuthError):
    """First-admin setup is refused."""


class SetupDoneError(SetupError):
    """An admin exists already; setup is closed."""


class SetupTokenError(SetupError):
    """The setup token is wrong, already used or expired."""
