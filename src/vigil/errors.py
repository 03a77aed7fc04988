"""One exception tree for all of Vigil.

    VigilError
    ├── ConfigError            a config file or option is invalid (names the YAML line)
    ├── SourceError            a video source cannot be opened or read
    │   ├── SourceNotFoundError    the file or folder does not exist
    │   ├── SourceFormatError      exists but is not decodable video / has no images
    │   └── SourceUnreachableError a live stream could not be reached in time
    ├── ModelError             a detector model cannot be had or loaded
    │   ├── ModelNotFoundError     not cached, not local, and cannot be downloaded
    │   └── ModelInvalidError      present but not a usable model (or bad hash)
    ├── DatasetError           an evaluation dataset is missing or malformed
    ├── OutputError            an output file or folder cannot be written
    │   └── PublishError           a message was not delivered (MQTT, webhook); `permanent` if retrying won't help
    ├── CameraNotFoundError    no configured camera has that id
    ├── StoreError             the event database cannot be opened, migrated, read or written
    │   └── EventNotFoundError     no stored event has that id
    └── AuthError              an auth operation cannot be done
        ├── AuthInputError         a value is invalid; `field` names it (username, password, cameras, ...)
        ├── UserExistsError        the username is taken (case-insensitively)
        ├── UserNotFoundError      no user with that id or name
        ├── TokenNotFoundError     no API token with that id
        ├── LastAdminError         the change would leave no enabled admin
        └── SetupError             first-admin setup refused
            ├── SetupDoneError         an admin exists already
            └── SetupTokenError        the setup token is wrong, used or expired

Every message names the input (file, URL, config line, field) and what is wrong.
The CLI turns any VigilError into one line on stderr and exit code 2.
"""

from __future__ import annotations


class VigilError(Exception):
    """Base class of every error Vigil raises on purpose."""


class ConfigError(VigilError):
    """Invalid configuration (file, key, type or value)."""


class SourceError(VigilError):
    """A video source cannot be opened or read."""


class SourceNotFoundError(SourceError):
    """The file or folder behind a source does not exist."""


class SourceFormatError(SourceError):
    """The input exists but holds no decodable video or images."""


class SourceUnreachableError(SourceError):
    """A live stream could not be reached within the timeout."""


class ModelError(VigilError):
    """A detector model cannot be found, downloaded or loaded."""


class ModelNotFoundError(ModelError):
    """No local copy and no way to download it."""


class ModelInvalidError(ModelError):
    """The model file exists but is not usable (corrupt, wrong shape, bad hash)."""


class DatasetError(VigilError):
    """An evaluation dataset is missing or malformed."""


class OutputError(VigilError):
    """An output file or folder cannot be written."""


class PublishError(OutputError):
    """A message was not delivered.

    permanent: the destination refused this message (retrying it unchanged will not
    help, e.g. HTTP 400); otherwise the destination is unreachable or failing and the
    outbox retries it later.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class CameraNotFoundError(VigilError):
    """No configured camera has that id (the API answers 404)."""


class StoreError(VigilError):
    """The event database cannot be opened, migrated, read or written."""


class EventNotFoundError(StoreError):
    """No stored event has the given id."""


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
