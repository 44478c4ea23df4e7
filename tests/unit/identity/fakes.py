"""In-memory stand-ins for the identity context's ports, for application tests.

The fakes keep their state in one ``IdentityStore`` that a unit of work
changes only when it commits, as the SQL one does.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID

from contexts.identity.domain.api_key import ApiKey
from contexts.identity.domain.errors import EmailTaken
from contexts.identity.domain.repositories import (
    ApiKeyRepository,
    LoginFailureLog,
    UserRepository,
)
from contexts.identity.domain.user import User
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.aggregate import AggregateRoot
from shared_kernel.domain.events import IntegrationEvent

START = datetime(2025, 1, 15, 10, 0, tzinfo=UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class PlainPasswordHasher:
    """Not a hash at all: enough to test the use cases, and obvious in a failure."""

    def hash(self, password: str) -> str:
        return f"hashed:{password[::-1]}"

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == self.hash(password)


@dataclass
class IdentityStore:
    users: dict[UUID, User] = field(default_factory=dict)
    api_keys: dict[UUID, ApiKey] = field(default_factory=dict)
    login_failures: list[tuple[str, datetime]] = field(default_factory=list)
    events: list[IntegrationEvent] = field(default_factory=list)


class _Users:
    def __init__(self, store: IdentityStore) -> None:
        self._store = store

    async def add(self, user: User) -> None:
        if any(existing.email == user.email for existing in self._store.users.values()):
            raise EmailTaken()
        self._store.users[user.id] = user


class _ApiKeys:
    def __init__(self, store: IdentityStore) -> None:
        self._store = store

    async def add(self, key: ApiKey) -> None:
        self._store.api_keys[key.id] = key

    async def revoke(self, key_id: UUID, user_id: UUID, now: datetime) -> bool:
        key = self._store.api_keys.get(key_id)
        if key is None or key.user_id != user_id or key.revoked_at is not None:
            return False
        self._store.api_keys[key_id] = replace(key, revoked_at=now)
        return True

    async def touch(self, key_id: UUID, now: datetime) -> None:
        key = self._store.api_keys[key_id]
        self._store.api_keys[key_id] = replace(key, last_used_at=now)


class _LoginFailures:
    def __init__(self, store: IdentityStore) -> None:
        self._store = store

    async def lock(self, email: str) -> None:
        """Nothing to do: a fake unit of work never yields to another task inside."""

    async def record(self, email: str, at: datetime) -> None:
        self._store.login_failures.append((email, at))

    async def since(self, email: str, since: datetime) -> list[datetime]:
        return sorted(at for (e, at) in self._store.login_failures if e == email and at > since)

    async def clear(self, email: str) -> None:
        self._store.login_failures = [row for row in self._store.login_failures if row[0] != email]

    async def forget_before(self, before: datetime) -> None:
        self._store.login_failures = [row for row in self._store.login_failures if row[1] >= before]


class FakeIdentityUnitOfWork:
    """Works on a copy of the store; ``commit`` makes the copy the store."""

    # Set on entering. Typed as the port types them: a protocol's attributes are
    # settable, so an implementation's must have exactly their types.
    users: UserRepository
    api_keys: ApiKeyRepository
    login_failures: LoginFailureLog

    def __init__(self, store: IdentityStore) -> None:
        self._store = store
        self._working: IdentityStore | None = None
        self._aggregates: list[AggregateRoot] = []
        self._events: list[IntegrationEvent] = []
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self._store)
        self.users = _Users(self._working)
        self.api_keys = _ApiKeys(self._working)
        self.login_failures = _LoginFailures(self._working)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._working = None

    def collect(self, aggregate: AggregateRoot) -> None:
        self._aggregates.append(aggregate)

    def publish(self, event: IntegrationEvent) -> None:
        self._events.append(event)

    async def claim_events(self, event_ids: Sequence[UUID], subscriber_name: str) -> set[UUID]:
        return set(event_ids)

    async def commit(self) -> None:
        assert self._working is not None, "commit outside the unit of work"
        working = self._working
        self._store.users = working.users
        self._store.api_keys = working.api_keys
        self._store.login_failures = working.login_failures
        self._store.events += [e for a in self._aggregates for e in a.pull_events()]
        self._store.events += self._events
        self._events = []
        self.commits += 1


class FakeIdentityReader:
    def __init__(self, store: IdentityStore) -> None:
        self._store = store

    async def user(self, user_id: UUID) -> User | None:
        return self._store.users.get(user_id)

    async def user_by_email(self, email: str) -> User | None:
        return next((u for u in self._store.users.values() if u.email == email), None)

    async def api_key_by_lookup_id(self, lookup_id: str) -> ApiKey | None:
        return next((k for k in self._store.api_keys.values() if k.lookup_id == lookup_id), None)

    async def active_api_keys(self, user_id: UUID, page: PageRequest) -> Page[ApiKey]:
        keys = sorted(
            (k for k in self._store.api_keys.values() if k.user_id == user_id and k.active),
            key=lambda k: (k.created_at, k.id),
        )
        if page.after is not None:
            after = (datetime.fromisoformat(page.after[0]), UUID(page.after[1]))
            keys = [k for k in keys if (k.created_at, k.id) > after]
        shown = keys[: page.limit]
        more = len(keys) > page.limit
        last = shown[-1] if more else None
        return Page(
            items=shown,
            next_keyset=(last.created_at.isoformat(), str(last.id)) if last else None,
        )
