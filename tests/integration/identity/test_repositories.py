"""Identity repositories, reader and unit of work, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contexts.identity.application.accounts import AccountService
from contexts.identity.contracts import UserRegistered
from contexts.identity.domain.api_key import ApiKey, Scope
from contexts.identity.domain.errors import EmailTaken, InvalidCredentials
from contexts.identity.domain.user import User
from contexts.identity.infrastructure.repositories import SqlIdentityReader
from contexts.identity.infrastructure.tables import outbox, users
from shared_kernel.application.pagination import PageRequest
from shared_kernel.domain.errors import TooManyRequests

NOW = datetime(2025, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def _user(email: str = "ada@example.com", now: datetime = NOW) -> User:
    return User.register(email, "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", now)


def _key(user_id: Any, lookup: str = "0123456789abcdef01", **changes: Any) -> ApiKey:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": user_id,
        "name": "importer",
        "scope": Scope.WRITE,
        "lookup_id": lookup,
        "secret_hash": "a" * 64,
        "created_at": NOW,
    }
    values.update(changes)
    return ApiKey(**values)


async def _count(identity: Any, table: Any) -> int:
    async with identity.engine().connect() as connection:
        count: int = (
            await connection.execute(select(func.count()).select_from(table))
        ).scalar_one()
    return count


# --- users ---------------------------------------------------------------------


async def test_a_user_reads_back_as_written(identity: Any) -> None:
    user = _user()
    async with identity.unit_of_work() as uow:
        await uow.users.add(user)
        await uow.commit()
    reader: SqlIdentityReader = identity.reader()
    for found in (await reader.user(user.id), await reader.user_by_email("ada@example.com")):
        assert found is not None
        assert (found.id, found.email, found.password_hash) == (
            user.id,
            user.email,
            user.password_hash,
        )
        assert found.created_at == NOW
        assert found.created_at.tzinfo is not None
    assert await reader.user(uuid4()) is None
    assert await reader.user_by_email("nobody@example.com") is None


async def test_registering_writes_user_registered_to_the_outbox_in_the_same_commit(
    identity: Any,
) -> None:
    user = _user()
    async with identity.unit_of_work() as uow:
        await uow.users.add(user)
        uow.collect(user)
        await uow.commit()
    async with identity.engine().connect() as connection:
        (entry,) = (await connection.execute(select(outbox))).mappings().all()
    (registered,) = identity.codec().decode(entry["events"])
    assert isinstance(registered, UserRegistered)
    assert registered.user_id == user.id


async def test_without_commit_nothing_is_written(identity: Any) -> None:
    user = _user()
    async with identity.unit_of_work() as uow:
        await uow.users.add(user)
        uow.collect(user)
    assert await identity.reader().user(user.id) is None
    assert await _count(identity, users) == 0
    assert await _count(identity, outbox) == 0


async def test_a_taken_email_is_email_taken_and_leaves_the_transaction_usable(
    identity: Any,
) -> None:
    async with identity.unit_of_work() as uow:
        await uow.users.add(_user("ada@example.com"))
        await uow.commit()
    bob = _user("bob@example.com")
    async with identity.unit_of_work() as uow:
        with pytest.raises(EmailTaken):
            await uow.users.add(_user("ada@example.com"))
        await uow.users.add(bob)
        await uow.commit()
    assert await identity.reader().user(bob.id) is not None
    assert await _count(identity, users) == 2


async def test_emails_differing_only_in_case_are_one_email(identity: Any) -> None:
    accounts: AccountService = identity.accounts()
    await accounts.create_user("ada@example.com", PASSWORD)
    with pytest.raises(EmailTaken):
        await accounts.create_user("ADA@Example.com", PASSWORD)
    assert (await accounts.user_by_email("Ada@EXAMPLE.com")).email == "ada@example.com"


async def test_two_racing_registrations_of_one_email_make_one_user(identity: Any) -> None:
    accounts: AccountService = identity.accounts()
    results = await asyncio.gather(
        *(accounts.create_user(email, PASSWORD) for email in ["ada@example.com"] * 4),
        return_exceptions=True,
    )
    assert sum(isinstance(r, User) for r in results) == 1
    assert sum(isinstance(r, EmailTaken) for r in results) == 3
    assert await _count(identity, users) == 1


# --- API keys ------------------------------------------------------------------


async def test_an_api_key_reads_back_by_its_lookup_id(identity: Any) -> None:
    owner = uuid4()
    key = _key(owner, scope=Scope.READ)
    async with identity.unit_of_work() as uow:
        await uow.api_keys.add(key)
        await uow.commit()
    found = await identity.reader().api_key_by_lookup_id(key.lookup_id)
    assert found == key
    assert found.scope is Scope.READ
    assert await identity.reader().api_key_by_lookup_id("ffffffffffffffffff") is None


async def test_active_keys_are_the_users_unrevoked_ones_oldest_first(identity: Any) -> None:
    owner, stranger = uuid4(), uuid4()
    newer = _key(owner, "a" * 18, created_at=NOW + timedelta(seconds=1))
    older = _key(owner, "b" * 18, created_at=NOW)
    revoked = _key(owner, "c" * 18)
    theirs = _key(stranger, "d" * 18)
    async with identity.unit_of_work() as uow:
        for key in (newer, older, revoked, theirs):
            await uow.api_keys.add(key)
        assert await uow.api_keys.revoke(revoked.id, owner, NOW)
        await uow.commit()
    active = await identity.reader().active_api_keys(owner, PageRequest())
    assert [k.id for k in active.items] == [older.id, newer.id]
    first = await identity.reader().active_api_keys(owner, PageRequest(limit=1))
    assert [k.id for k in first.items] == [older.id]
    rest = await identity.reader().active_api_keys(
        owner, PageRequest(limit=1, after=first.next_keyset)
    )
    assert [k.id for k in rest.items] == [newer.id]
    assert rest.next_keyset is None


async def test_revoke_is_true_once_and_only_for_the_owner(identity: Any) -> None:
    owner = uuid4()
    key = _key(owner)
    async with identity.unit_of_work() as uow:
        await uow.api_keys.add(key)
        await uow.commit()
    later = NOW + timedelta(hours=1)
    async with identity.unit_of_work() as uow:
        assert not await uow.api_keys.revoke(key.id, uuid4(), later)
        assert not await uow.api_keys.revoke(uuid4(), owner, later)
        assert await uow.api_keys.revoke(key.id, owner, later)
        assert not await uow.api_keys.revoke(key.id, owner, later)
        await uow.commit()
    found = await identity.reader().api_key_by_lookup_id(key.lookup_id)
    assert found is not None
    assert found.revoked_at == later
    assert not found.active


async def test_touch_records_last_use(identity: Any) -> None:
    key = _key(uuid4())
    async with identity.unit_of_work() as uow:
        await uow.api_keys.add(key)
        await uow.commit()
    used = NOW + timedelta(minutes=3)
    async with identity.unit_of_work() as uow:
        await uow.api_keys.touch(key.id, used)
        await uow.commit()
    found = await identity.reader().api_key_by_lookup_id(key.lookup_id)
    assert found is not None
    assert found.last_used_at == used


async def test_lookup_ids_are_unique(identity: Any) -> None:
    async with identity.unit_of_work() as uow:
        await uow.api_keys.add(_key(uuid4(), "same-lookup"))
        await uow.commit()
    async with identity.unit_of_work() as uow:
        with pytest.raises(IntegrityError):
            await uow.api_keys.add(_key(uuid4(), "same-lookup"))


async def test_a_created_key_resolves_and_a_revoked_one_does_not(identity: Any) -> None:
    owner = uuid4()
    created = await identity.api_keys().create(owner, "cli", "read")
    resolver = identity.principal_resolver()
    principal = await resolver.resolve(created.plaintext)
    assert principal is not None
    assert principal.user_id == owner
    assert not principal.can_write
    await identity.api_keys().revoke(owner, created.key.id)
    assert await resolver.resolve(created.plaintext) is None


# --- failed logins -------------------------------------------------------------


async def test_failed_logins_are_kept_per_email(identity: Any) -> None:
    async with identity.unit_of_work() as uow:
        failures = uow.login_failures
        for seconds in (30, 10, 20):
            await failures.record("ada@example.com", NOW + timedelta(seconds=seconds))
        await failures.record("bob@example.com", NOW + timedelta(seconds=15))
        await uow.commit()
    async with identity.unit_of_work() as uow:
        since = await uow.login_failures.since("ada@example.com", NOW + timedelta(seconds=10))
    assert since == [NOW + timedelta(seconds=20), NOW + timedelta(seconds=30)]  # after, in order


async def test_clear_forgets_only_that_email(identity: Any) -> None:
    async with identity.unit_of_work() as uow:
        await uow.login_failures.record("ada@example.com", NOW)
        await uow.login_failures.record("ada@example.com", NOW + timedelta(seconds=1))
        await uow.login_failures.record("bob@example.com", NOW)
        await uow.login_failures.clear("ada@example.com")
        await uow.commit()
    before = NOW - timedelta(minutes=1)
    async with identity.unit_of_work() as uow:
        assert await uow.login_failures.since("ada@example.com", before) == []
        assert await uow.login_failures.since("bob@example.com", before) == [NOW]


async def test_forget_before_drops_old_failures_of_everyone(identity: Any) -> None:
    async with identity.unit_of_work() as uow:
        await uow.login_failures.record("ada@example.com", NOW - timedelta(minutes=5))
        await uow.login_failures.record("bob@example.com", NOW - timedelta(minutes=2))
        await uow.login_failures.record("ada@example.com", NOW)
        await uow.login_failures.forget_before(NOW - timedelta(minutes=1))
        await uow.commit()
    long_ago = NOW - timedelta(days=1)
    async with identity.unit_of_work() as uow:
        assert await uow.login_failures.since("ada@example.com", long_ago) == [NOW]
        assert await uow.login_failures.since("bob@example.com", long_ago) == []


async def test_the_failed_login_limit_holds_on_the_database(identity: Any) -> None:
    accounts: AccountService = identity.accounts()
    await accounts.create_user("ada@example.com", PASSWORD)
    for _ in range(10):
        with pytest.raises(InvalidCredentials):
            await accounts.log_in("ada@example.com", "wrong password!")
    with pytest.raises(TooManyRequests) as error:
        await accounts.log_in("ada@example.com", PASSWORD)
    assert 1 <= error.value.retry_after_seconds <= 60


async def test_parallel_guesses_are_counted_before_they_are_tried(identity: Any) -> None:
    accounts: AccountService = identity.accounts()
    await accounts.create_user("ada@example.com", PASSWORD)
    results = await asyncio.gather(
        *(accounts.log_in("ada@example.com", "wrong password!") for _ in range(16)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, InvalidCredentials) for r in results) == 10, results
    assert sum(isinstance(r, TooManyRequests) for r in results) == 6, results
