"""The public surface of vigil.auth."""

from __future__ import annotations

import vigil.auth


def test_public_surface() -> None:
    assert sorted(vigil.auth.__all__) == sorted(
        [
            "ALL_CAMERAS", "PUBLIC_ROUTES", "Action", "ApiToken", "AuditEntry", "Auth", "AuthSettings",
            "AuthStore", "CurrentUser", "LoginRateLimiter", "Principal", "Role", "Session", "User",
            "add_users_arguments", "allowed_cameras", "auth_metadata", "auth_router", "can", "ensure_camera",
            "ensure_setup_token", "get_auth", "install_auth", "require_action", "require_camera", "require_role",
            "require_user", "run_users_command",
        ]
    )
    for name in vigil.auth.__all__:
        assert getattr(vigil.auth, name) is not None


def test_auth_errors_are_vigil_errors() -> None:
    from vigil.auth import errors
    from vigil.errors import VigilError

    assert issubclass(errors.AuthError, VigilError)
    for name in ("AuthInputError", "UserExistsError", "UserNotFoundError", "TokenNotFoundError",
                 "LastAdminError", "SetupDoneError", "SetupTokenError"):
        assert issubclass(getattr(errors, name), errors.AuthError)
