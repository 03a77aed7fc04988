"""AuthStore on its own: hashing, uniqueness, sessions, tokens, setup tokens, audit, tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import pytest
from argon2 import PasswordHasher
from auth_helpers import PASSWORD, FakeClock, cheap_hasher
from sqlalchemy import create_engine, inspect, select

from vigil.auth import AuthStore, Role, auth_metadata
from vigil.auth import db as auth_db
from vigil.auth.errors import (
    AuthInputError,
    LastAdminError,
    SetupDoneError,
    SetupTokenError,
    TokenNotFoundError,
    UserExistsError,
    UserNotFoundError,
)
from vigil.errors import VigilError


class CountingHasher(PasswordHasher):
    """A cheap hasher that counts verifications (to see that unknown users cost one too)."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verifications += 1
        return super().verify(hash, password)


def test_default_hasher_stores_argon2id_never_the_password(tmp_path: object, clock: FakeClock) -> None:
    store = AuthStore(create_engine("sqlite://"), clock=clock)  # argon2-cffi defaults: RFC 9106 low memory
    user = store.create_user("root", PASSWORD, Role.ADMIN, actor="test")
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in user.password_hash and PASSWORD not in repr(user)
    with store.engine.connect() as conn:
        stored = conn.execute(select(auth_db.users.c.password_hash)).scalar_one()
    assert stored == user.password_hash
    assert store.authenticate("root", PASSWORD) == user


def test_all_auth_tables_live_on_auth_metadata(store: AuthStore) -> None:
    names = set(inspect(store.engine).get_table_names())
    expected = {"auth_users", "auth_api_tokens", "auth_sessions", "auth_setup_tokens", "auth_audit_log"}
    assert set(auth_metadata.tables) == expected and expected <= names


def test_authenticate(store: AuthStore) -> None:
    user = store.create_user("Vera", PASSWORD, "viewer", ["A"], actor="test")
    assert user.cameras == ("A",) and user.role is Role.VIEWER
    assert store.authenticate("vera", PASSWORD) == user
    assert store.authenticate("VERA", PASSWORD) == user
    assert store.authenticate("vera", PASSWORD + "x") is None
    assert store.authenticate("nobody", PASSWORD) is None
    assert store.authenticate("x" * 300, PASSWORD) is None


def test_unknown_usernames_cost_a_verification_too(db_url: str, clock: FakeClock) -> None:
    hasher = CountingHasher()
    store = AuthStore(create_engine(db_url), hasher=hasher, clock=clock)
    store.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    store.authenticate("vera", "wrong")
    store.authenticate("nobody", "wrong")
    store.authenticate("nobody-else", "wrong")
    assert hasher.verifications == 3


def test_old_hash_parameters_are_upgraded_on_login(db_url: str, clock: FakeClock) -> None:
    old = AuthStore(create_engine(db_url), hasher=cheap_hasher(), clock=clock)
    old.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    new = AuthStore(create_engine(db_url), hasher=stronger, clock=clock)
    assert new.authenticate("vera", PASSWORD) is not None
    user = new.get_user_by_name("vera")
    assert user is not None and "$m=16,t=2,p=1$" in user.password_hash


def test_usernames_unique_ignoring_case(store: AuthStore) -> None:
    store.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    with pytest.raises(UserExistsError, match="'VERA' exists already"):
        store.create_user("VERA", PASSWORD, Role.VIEWER, "*", actor="test")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "a b"}, "username"),
        ({"username": ""}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 1025}, "password"),
        ({"role": "root"}, "role"),
        ({"cameras": "A"}, "cameras"),
        ({"cameras": ["a*"]}, "cameras"),
        ({"cameras": [""]}, "cameras"),
        ({"cameras": ["c" * 65]}, "cameras"),
    ],
)
def test_invalid_user_fields_name_the_field(store: AuthStore, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"username": "vera", "password": PASSWORD, "role": "viewer", "cameras": "*"}
    args.update(kwargs)
    with pytest.raises(AuthInputError) as e:
        store.create_user(actor="test", **args)  # type: ignore[arg-type]
    assert e.value.field == field and str(e.value).startswith(f"{field}: ")
    assert isinstance(e.value, VigilError)


def test_update_records_only_real_changes(store: AuthStore) -> None:
    user = store.create_user("vera", PASSWORD, Role.VIEWER, ["A"], actor="test")
    before = len(store.list_audit())
    store.update_user(user.id, actor="root", role="viewer", cameras=["A"])
    assert len(store.list_audit()) == before
    updated = store.update_user(user.id, actor="root", cameras=["A", "B"])
    assert updated.cameras == ("A", "B")
    entry = store.list_audit(1)[0]
    assert (entry.actor, entry.action, entry.target, entry.details) == (
        "root", "user.update", "user:vera", {"cameras": ["A", "B"]},
    )
    with pytest.raises(UserNotFoundError, match="no user with id 99"):
        store.update_user(99, actor="root", disabled=True)


def test_last_admin_is_protected(store: AuthStore) -> None:
    root = store.create_user("root", PASSWORD, Role.ADMIN, actor="test")
    with pytest.raises(LastAdminError):
        store.update_user(root.id, actor="test", role=Role.OPERATOR)
    with pytest.raises(LastAdminError):
        store.update_user(root.id, actor="test", disabled=True)
    with pytest.raises(LastAdminError):
        store.delete_user(root.id, actor="test")
    other = store.create_user("other", PASSWORD, Role.ADMIN, actor="test")
    store.update_user(root.id, actor="test", disabled=True)
    assert store.has_admin()
    with pytest.raises(LastAdminError):  # root is disabled, so other is the last enabled admin
        store.delete_user(other.id, actor="test")
    store.delete_user(root.id, actor="test")


def test_delete_user_removes_sessions_and_tokens(store: AuthStore) -> None:
    user = store.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    raw_session, _ = store.create_session(user.id, 3600)
    raw_token, _ = store.create_token(user.id, "t", actor="test")
    store.delete_user(user.id, actor="test")
    assert store.resolve_session(raw_session, 600) is None
    assert store.resolve_token(raw_token) is None
    assert store.list_tokens() == []


def test_session_idle_and_absolute_expiry(store: AuthStore, clock: FakeClock) -> None:
    user = store.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    raw, session = store.create_session(user.id, lifetime_s=1200)
    assert session.id_hash != raw and len(raw) >= 43
    clock.advance(500)
    found = store.resolve_session(raw, idle_timeout_s=600)
    assert found is not None and found[1] == user and found[0].last_seen < clock.now
    clock.advance(599)  # last_seen was moved to 500 s
    assert store.resolve_session(raw, idle_timeout_s=600) is not None
    clock.advance(101)  # absolute expiry at 1200 s
    assert store.resolve_session(raw, idle_timeout_s=600) is None
    raw2, _ = store.create_session(user.id, lifetime_s=1000)
    clock.advance(600)
    assert store.resolve_session(raw2, idle_timeout_s=600) is None
    assert store.resolve_session("", 600) is None and store.resolve_session("x" * 500, 600) is None


def test_tokens_expire_and_revoke(store: AuthStore, clock: FakeClock) -> None:
    user = store.create_user("bot", PASSWORD, Role.VIEWER, ["A"], actor="test")
    raw, token = store.create_token(user.id, "  export  ", actor="test", expires_in_s=60)
    assert token.name == "export" and token.prefix == raw[:12] and token.expires_at == clock.now + timedelta(seconds=60)
    found = store.resolve_token(raw)
    assert found is not None and found[1] == user
    assert store.get_token(token.id).last_used_at == clock.now  # type: ignore[union-attr]
    clock.advance(60)
    assert store.resolve_token(raw) is None

    raw2, token2 = store.create_token(user.id, "forever", actor="test")
    revoked = store.revoke_token(token2.id, actor="test")
    assert revoked.revoked_at == clock.now and store.resolve_token(raw2) is None
    clock.advance(5)
    assert store.revoke_token(token2.id, actor="test").revoked_at == revoked.revoked_at  # idempotent
    with pytest.raises(TokenNotFoundError):
        store.revoke_token(999, actor="test")
    with pytest.raises(AuthInputError, match="expires_in_s"):
        store.create_token(user.id, "x", actor="test", expires_in_s=-1)
    with pytest.raises(UserNotFoundError):
        store.create_token(999, "x", actor="test")


def test_setup_token_is_single_use(store: AuthStore) -> None:
    token = store.create_setup_token(600)
    with pytest.raises(SetupTokenError):
        store.complete_setup("nope", "root", PASSWORD)
    with pytest.raises(AuthInputError):
        store.complete_setup(token, "root", "short")
    admin = store.complete_setup(token, "root", PASSWORD)
    assert admin.role is Role.ADMIN and store.has_admin()
    with pytest.raises(SetupDoneError):
        store.complete_setup(token, "root2", PASSWORD)


def test_purge_expired(store: AuthStore, clock: FakeClock) -> None:
    user = store.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    store.create_session(user.id, 100)
    store.create_session(user.id, 1000)
    store.create_setup_token(50)
    clock.advance(200)
    assert store.purge_expired() == 2


def test_naive_datetimes_are_refused(store: AuthStore) -> None:
    naive = AuthStore(store.engine, hasher=cheap_hasher(), clock=lambda: datetime(2025, 1, 1), create_tables=False)
    with pytest.raises(Exception, match="naive datetime"):
        naive.record_audit("x", "y", "z")


def test_times_come_back_as_utc(store: AuthStore, clock: FakeClock) -> None:
    user = store.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    again = store.get_user(user.id)
    assert again is not None and again.created_at == clock.now and again.created_at.tzinfo is not None


def test_malformed_stored_hash_is_a_mismatch(store: AuthStore, caplog: pytest.LogCaptureFixture) -> None:
    user = store.create_user("vera", PASSWORD, Role.VIEWER, "*", actor="test")
    with store.engine.begin() as conn:
        conn.execute(auth_db.users.update().values(password_hash="not-a-hash"))
    assert store.authenticate("vera", PASSWORD) is None
    assert "cannot be verified" in caplog.text
    assert store.get_user(user.id) is not None
