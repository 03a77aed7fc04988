"""AuthStore: users, sessions, API tokens, setup tokens and the audit log, in SQL.

Every method is one transaction. Password hashing (slow) happens before a transaction
opens. Administrative changes write their audit row in the same transaction as the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, CursorResult, Engine, Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from vigil.auth import db
from vigil.auth.credentials import (
    API_TOKEN_PREFIX,
    display_prefix,
    hash_secret,
    new_api_token,
    new_secret,
)
from vigil.auth.errors import (
    AuthInputError,
    LastAdminError,
    SetupDoneError,
    SetupTokenError,
    TokenNotFoundError,
    UserExistsError,
    UserNotFoundError,
)
from vigil.auth.models import (
    ALL_CAMERAS,
    USERNAME_MAX,
    ApiToken,
    AuditEntry,
    Cameras,
    Role,
    Session,
    User,
    check_cameras,
    check_password,
    check_username,
    username_key,
)
from vigil.auth.passwords import Passwords

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware (injected so that tests can move time)."""

TOKEN_NAME_MAX = 64
_TOUCH_S = 60.0
"""`last_seen` / `last_used_at` are written at most this often per session or token."""
_MAX_TOKEN_LEN = 128


def utc_now() -> datetime:
    return datetime.now(UTC)


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError as e:
        allowed = ", ".join(r.value for r in Role)
        raise AuthInputError("role", f"{value!r} is not a role; expected one of {allowed}") from e


def _cameras_json(cameras: Cameras) -> str | list[str]:
    return ALL_CAMERAS if isinstance(cameras, str) else list(cameras)


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None, "INSERT returned no primary key"
    return int(key[0])


def _user(row: Row[Any]) -> User:
    cams = row.cameras
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        cameras=ALL_CAMERAS if cams == ALL_CAMERAS else tuple(cams),
        created_at=row.created_at,
        disabled=bool(row.disabled),
        password_hash=row.password_hash,
    )


def _token(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        token_hash=row.token_hash,
    )


def _session(row: Row[Any]) -> Session:
    return Session(
        id_hash=row.id_hash,
        user_id=row.user_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_seen=row.last_seen,
        csrf_token=row.csrf_token,
    )


class AuthStore:
    """Persistence and rules of the auth package over a SQLAlchemy engine.

    hasher: argon2 `PasswordHasher` (default: argon2-cffi's defaults, RFC 9106 low-memory).
    clock: current UTC time; min_password_length: the password policy (max is 1024).
    create_tables: run ``auth_metadata.create_all`` now (until Alembic migrations own it).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        hasher: PasswordHasher | None = None,
        clock: Clock = utc_now,
        min_password_length: int = 12,
        create_tables: bool = True,
    ) -> None:
        if min_password_length < 1:
            raise ValueError(f"min_password_length must be at least 1, got {min_password_length}")
        self.engine = engine
        self.passwords = Passwords(hasher)
        self.clock = clock
        self.min_password_length = min_password_length
        if create_tables:
            db.auth_metadata.create_all(engine)

    # ---- users -------------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        password: str,
        role: Role | str,
        cameras: str | Iterable[str] = ALL_CAMERAS,
        *,
        actor: str,
    ) -> User:
        """Add a user. Raises AuthInputError (names the field) or UserExistsError."""
        username = check_username(username)
        check_password(password, self.min_password_length)
        role, cams = _role(role), check_cameras(cameras)
        password_hash = self.passwords.hash(password)
        now = self.clock()
        with self.engine.begin() as conn:
            self._check_free(conn, username)
            try:
                result = conn.execute(
                    insert(db.users).values(
                        username=username,
                        username_key=username_key(username),
                        password_hash=password_hash,
                        role=role.value,
                        cameras=_cameras_json(cams),
                        created_at=now,
                        disabled=False,
                    )
                )
            except IntegrityError as e:
                raise UserExistsError(f"user {username!r} exists already (usernames ignore case)") from e
            user_id = _new_id(result)
            details = {"role": role.value, "cameras": _cameras_json(cams)}
            self._audit(conn, actor, "user.create", f"user:{username}", details)
            if role is Role.ADMIN:
                conn.execute(delete(db.setup_tokens))
        log.info("user %s created with role %s by %s", username, role.value, actor)
        return User(user_id, username, role, cams, now, False, password_hash)

    def get_user(self, user_id: int) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.users).where(db.users.c.id == user_id)).first()
        return _user(row) if row else None

    def get_user_by_name(self, username: str) -> User | None:
        if not isinstance(username, str) or len(username) > USERNAME_MAX:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(db.users).where(db.users.c.username_key == username_key(username))).first()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(db.users).order_by(db.users.c.id))]

    def has_admin(self) -> bool:
        """Whether an enabled admin exists (if not, first-start setup is open)."""
        with self.engine.connect() as conn:
            return self._admins(conn) > 0

    def update_user(
        self,
        user_id: int,
        *,
        actor: str,
        role: Role | str | None = None,
        cameras: str | Iterable[str] | None = None,
        disabled: bool | None = None,
        password: str | None = None,
        keep_session: str | None = None,
    ) -> User:
        """Change the given fields. A new password or disabling ends the user's sessions
        (except `keep_session`, an id hash: the one changing its own password)."""
        new_role = _role(role) if role is not None else None
        new_cams = check_cameras(cameras) if cameras is not None else None
        new_hash = None
        if password is not None:
            check_password(password, self.min_password_length)
            new_hash = self.passwords.hash(password)
        with self.engine.begin() as conn:
            user = self._user_for_update(conn, user_id)
            values: dict[str, Any] = {}
            changes: dict[str, Any] = {}
            if new_role is not None and new_role is not user.role:
                values["role"] = changes["role"] = new_role.value
            if new_cams is not None and new_cams != user.cameras:
                values["cameras"] = changes["cameras"] = _cameras_json(new_cams)
            if disabled is not None and disabled != user.disabled:
                values["disabled"] = changes["disabled"] = disabled
            if new_hash is not None:
                values["password_hash"] = new_hash
                changes["password"] = "changed"
            loses_admin = user.role is Role.ADMIN and not user.disabled and (
                values.get("role", Role.ADMIN) != Role.ADMIN or values.get("disabled", False)
            )
            if loses_admin and self._admins(conn) <= 1:
                raise LastAdminError(f"user {user.username!r} is the last enabled admin; add another admin first")
            if values:
                conn.execute(update(db.users).where(db.users.c.id == user_id).values(**values))
                self._audit(conn, actor, "user.update", f"user:{user.username}", changes)
            if new_hash is not None or values.get("disabled"):
                self._end_sessions(conn, user_id, keep_session)
            row = conn.execute(select(db.users).where(db.users.c.id == user_id)).one()
        return _user(row)

    def delete_user(self, user_id: int, *, actor: str) -> None:
        """Remove the user with their sessions and tokens; the last enabled admin cannot go."""
        with self.engine.begin() as conn:
            user = self._user_for_update(conn, user_id)
            if user.role is Role.ADMIN and not user.disabled and self._admins(conn) <= 1:
                raise LastAdminError(f"user {user.username!r} is the last enabled admin; add another admin first")
            conn.execute(delete(db.sessions).where(db.sessions.c.user_id == user_id))
            conn.execute(delete(db.api_tokens).where(db.api_tokens.c.user_id == user_id))
            conn.execute(delete(db.users).where(db.users.c.id == user_id))
            self._audit(conn, actor, "user.delete", f"user:{user.username}", {})

    def authenticate(self, username: str, password: str) -> User | None:
        """The enabled user with this username and password, else None.

        Unknown users cost one argon2 verification too, so timing does not tell them apart.
        A hash made with older parameters is upgraded on success.
        """
        user = self.get_user_by_name(username)
        if user is None:
            self.passwords.burn(password)
            return None
        if not self.passwords.verify(user.password_hash, password) or user.disabled:
            return None
        if self.passwords.needs_rehash(user.password_hash):
            new_hash = self.passwords.hash(password)
            with self.engine.begin() as conn:
                conn.execute(update(db.users).where(db.users.c.id == user.id).values(password_hash=new_hash))
            log.info("upgraded the password hash parameters of user %s", user.username)
        return user

    # ---- sessions ----------------------------------------------------------------------

    def create_session(self, user_id: int, lifetime_s: float) -> tuple[str, Session]:
        """Start a session; returns the id for the cookie (stored only as its sha256)."""
        raw = new_secret()
        now = self.clock()
        session = Session(hash_secret(raw), user_id, now, now + timedelta(seconds=lifetime_s), now, new_secret())
        with self.engine.begin() as conn:
            conn.execute(
                insert(db.sessions).values(
                    id_hash=session.id_hash,
                    user_id=user_id,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    expires_at=session.expires_at,
                    last_seen=now,
                )
            )
        return raw, session

    def resolve_session(self, raw: str, idle_timeout_s: float) -> tuple[Session, User] | None:
        """The live session with this cookie value and its enabled user, else None.

        A session past its expiry or idle for `idle_timeout_s` is deleted.
        """
        if not raw or len(raw) > _MAX_TOKEN_LEN:
            return None
        id_hash = hash_secret(raw)
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(db.sessions).where(db.sessions.c.id_hash == id_hash)).first()
            if row is None:
                return None
            session = _session(row)
            idle = (now - session.last_seen).total_seconds()
            if now >= session.expires_at or idle >= idle_timeout_s:
                conn.execute(delete(db.sessions).where(db.sessions.c.id_hash == id_hash))
                return None
            user_row = conn.execute(select(db.users).where(db.users.c.id == session.user_id)).first()
            if user_row is None or user_row.disabled:
                return None
            if idle >= min(_TOUCH_S, idle_timeout_s / 10):
                conn.execute(update(db.sessions).where(db.sessions.c.id_hash == id_hash).values(last_seen=now))
        return session, _user(user_row)

    def delete_session(self, id_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(db.sessions).where(db.sessions.c.id_hash == id_hash))

    def end_sessions(self, user_id: int, keep: str | None = None) -> int:
        """Delete the user's sessions except `keep` (an id hash); returns how many went."""
        with self.engine.begin() as conn:
            return self._end_sessions(conn, user_id, keep)

    # ---- API tokens --------------------------------------------------------------------

    def create_token(
        self, user_id: int, name: str, *, actor: str, expires_in_s: float | None = None
    ) -> tuple[str, ApiToken]:
        """Issue a token for the user; the token itself is returned only here."""
        name = name.strip() if isinstance(name, str) else ""
        if not name or len(name) > TOKEN_NAME_MAX:
            raise AuthInputError("name", f"1 to {TOKEN_NAME_MAX} characters (not only spaces), got {len(name)}")
        if expires_in_s is not None and not expires_in_s > 0:
            raise AuthInputError("expires_in_s", f"must be positive seconds, got {expires_in_s}")
        raw = new_api_token()
        now = self.clock()
        expires_at = now + timedelta(seconds=expires_in_s) if expires_in_s is not None else None
        token_hash, prefix = hash_secret(raw), display_prefix(raw)
        with self.engine.begin() as conn:
            owner = self._user_for_update(conn, user_id)
            result = conn.execute(
                insert(db.api_tokens).values(
                    user_id=user_id,
                    name=name,
                    token_hash=token_hash,
                    prefix=prefix,
                    created_at=now,
                    last_used_at=None,
                    revoked_at=None,
                    expires_at=expires_at,
                )
            )
            token_id = _new_id(result)
            expiry = expires_at.isoformat() if expires_at else None
            details = {"user": owner.username, "name": name, "expires_at": expiry}
            self._audit(conn, actor, "token.create", f"token:{token_id} ({prefix})", details)
        return raw, ApiToken(token_id, user_id, name, prefix, now, None, None, expires_at, token_hash)

    def resolve_token(self, raw: str) -> tuple[ApiToken, User] | None:
        """The active (not revoked, not expired) token with this value and its enabled user."""
        if not raw.startswith(API_TOKEN_PREFIX) or len(raw) > _MAX_TOKEN_LEN:
            return None
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(db.api_tokens).where(db.api_tokens.c.token_hash == hash_secret(raw))).first()
            if row is None:
                return None
            token = _token(row)
            if not token.active(now):
                return None
            user_row = conn.execute(select(db.users).where(db.users.c.id == token.user_id)).first()
            if user_row is None or user_row.disabled:
                return None
            if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= _TOUCH_S:
                conn.execute(update(db.api_tokens).where(db.api_tokens.c.id == token.id).values(last_used_at=now))
        return token, _user(user_row)

    def get_token(self, token_id: int) -> ApiToken | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.api_tokens).where(db.api_tokens.c.id == token_id)).first()
        return _token(row) if row else None

    def list_tokens(self, user_id: int | None = None) -> list[ApiToken]:
        """Tokens of one user, or of everyone when `user_id` is None; revoked ones included."""
        query = select(db.api_tokens).order_by(db.api_tokens.c.id)
        if user_id is not None:
            query = query.where(db.api_tokens.c.user_id == user_id)
        with self.engine.connect() as conn:
            return [_token(r) for r in conn.execute(query)]

    def revoke_token(self, token_id: int, *, actor: str) -> ApiToken:
        """Revoke now (idempotent: a revoked token keeps its first revocation time)."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(db.api_tokens).where(db.api_tokens.c.id == token_id)).first()
            if row is None:
                raise TokenNotFoundError(f"no API token with id {token_id}")
            token = _token(row)
            if token.revoked_at is not None:
                return token
            conn.execute(update(db.api_tokens).where(db.api_tokens.c.id == token_id).values(revoked_at=now))
            self._audit(conn, actor, "token.revoke", f"token:{token_id} ({token.prefix})", {"name": token.name})
        return replace(token, revoked_at=now)

    # ---- first-start setup -------------------------------------------------------------

    def create_setup_token(self, ttl_s: float) -> str:
        """A new one-time setup token (earlier ones stop working); returned in clear only here."""
        raw = new_secret()
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(db.setup_tokens))
            conn.execute(
                insert(db.setup_tokens).values(
                    token_hash=hash_secret(raw), created_at=now, expires_at=now + timedelta(seconds=ttl_s), used_at=None
                )
            )
        return raw

    def clear_setup_tokens(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(db.setup_tokens))

    def complete_setup(self, token: str, username: str, password: str) -> User:
        """Use the setup token to create the first admin.

        Raises SetupDoneError once an enabled admin exists, SetupTokenError for a wrong,
        used or expired token (checked before the inputs, so a typo does not burn it).
        """
        if self.has_admin():
            raise SetupDoneError("setup is closed: an admin exists already")
        token_hash = hash_secret(token) if len(token) <= _MAX_TOKEN_LEN else ""
        if not self._setup_token_valid(token_hash):
            raise SetupTokenError("setup token is wrong, used or expired; restart vigil serve for a new one")
        username = check_username(username)
        check_password(password, self.min_password_length)
        password_hash = self.passwords.hash(password)
        now = self.clock()
        with self.engine.begin() as conn:
            if self._admins(conn) > 0:
                raise SetupDoneError("setup is closed: an admin exists already")
            claimed = conn.execute(
                update(db.setup_tokens)
                .where(db.setup_tokens.c.token_hash == token_hash)
                .where(db.setup_tokens.c.used_at.is_(None))
                .where(db.setup_tokens.c.expires_at > now)
                .values(used_at=now)
            )
            if claimed.rowcount != 1:
                raise SetupTokenError("setup token is wrong, used or expired; restart vigil serve for a new one")
            self._check_free(conn, username)
            result = conn.execute(
                insert(db.users).values(
                    username=username,
                    username_key=username_key(username),
                    password_hash=password_hash,
                    role=Role.ADMIN.value,
                    cameras=ALL_CAMERAS,
                    created_at=now,
                    disabled=False,
                )
            )
            user_id = _new_id(result)
            self._audit(conn, "setup", "setup.complete", f"user:{username}", {"role": Role.ADMIN.value})
        log.info("first admin %s created with the setup token", username)
        return User(user_id, username, Role.ADMIN, ALL_CAMERAS, now, False, password_hash)

    # ---- audit log ---------------------------------------------------------------------

    def record_audit(self, actor: str, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        """Log an administrative action (zones, config, ...) that happened outside this store."""
        with self.engine.begin() as conn:
            self._audit(conn, actor, action, target, details or {})

    def list_audit(self, limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
        """Newest first; page with `before_id` (the smallest id of the previous page)."""
        query = select(db.audit_log).order_by(db.audit_log.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(db.audit_log.c.id < before_id)
        with self.engine.connect() as conn:
            return [AuditEntry(r.id, r.time, r.actor, r.action, r.target, dict(r.details)) for r in conn.execute(query)]

    # ---- housekeeping ------------------------------------------------------------------

    def purge_expired(self) -> int:
        """Delete expired sessions and used or expired setup tokens; returns rows removed."""
        now = self.clock()
        with self.engine.begin() as conn:
            n = conn.execute(delete(db.sessions).where(db.sessions.c.expires_at <= now)).rowcount
            n += conn.execute(
                delete(db.setup_tokens).where(
                    (db.setup_tokens.c.expires_at <= now) | db.setup_tokens.c.used_at.is_not(None)
                )
            ).rowcount
        return int(n)

    # ---- internals ---------------------------------------------------------------------

    def _audit(self, conn: Connection, actor: str, action: str, target: str, details: dict[str, Any]) -> None:
        conn.execute(
            insert(db.audit_log).values(
                time=self.clock(), actor=actor[:128], action=action[:64], target=target[:255], details=details
            )
        )

    @staticmethod
    def _admins(conn: Connection) -> int:
        query = (
            select(func.count())
            .select_from(db.users)
            .where(db.users.c.role == Role.ADMIN.value)
            .where(db.users.c.disabled.is_(False))
        )
        return int(conn.execute(query).scalar_one())

    @staticmethod
    def _check_free(conn: Connection, username: str) -> None:
        taken = conn.execute(select(db.users.c.id).where(db.users.c.username_key == username_key(username))).first()
        if taken is not None:
            raise UserExistsError(f"user {username!r} exists already (usernames ignore case)")

    @staticmethod
    def _user_for_update(conn: Connection, user_id: int) -> User:
        row = conn.execute(select(db.users).where(db.users.c.id == user_id)).first()
        if row is None:
            raise UserNotFoundError(f"no user with id {user_id}")
        return _user(row)

    @staticmethod
    def _end_sessions(conn: Connection, user_id: int, keep: str | None) -> int:
        query = delete(db.sessions).where(db.sessions.c.user_id == user_id)
        if keep is not None:
            query = query.where(db.sessions.c.id_hash != keep)
        return int(conn.execute(query).rowcount)

    def _setup_token_valid(self, token_hash: str) -> bool:
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(select(db.setup_tokens).where(db.setup_tokens.c.token_hash == token_hash)).first()
        return row is not None and row.used_at is None and now < row.expires_at

