"""The identity use cases wired to in-memory fakes and a clock the test controls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from contexts.identity.application.accounts import AccountService
from contexts.identity.application.api_keys import ApiKeyService
from contexts.identity.application.principals import CredentialResolver
from contexts.identity.infrastructure.access_tokens import JwtAccessTokens
from tests.unit.identity.fakes import (
    FakeIdentityReader,
    FakeIdentityUnitOfWork,
    FixedClock,
    IdentityStore,
    PlainPasswordHasher,
)

SECRET = "unit-test-secret-key-of-more-than-32-bytes"
LIFETIME = timedelta(minutes=30)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def store() -> IdentityStore:
    return IdentityStore()


@pytest.fixture
def uow_factory(store: IdentityStore) -> Callable[[], FakeIdentityUnitOfWork]:
    return lambda: FakeIdentityUnitOfWork(store)


@pytest.fixture
def reader(store: IdentityStore) -> FakeIdentityReader:
    return FakeIdentityReader(store)


@pytest.fixture
def tokens() -> JwtAccessTokens:
    return JwtAccessTokens(SECRET, LIFETIME)


@pytest.fixture
def make_accounts(
    uow_factory: Callable[[], FakeIdentityUnitOfWork],
    reader: FakeIdentityReader,
    tokens: JwtAccessTokens,
    clock: FixedClock,
) -> Callable[..., AccountService]:
    def make(registration_open: bool = True) -> AccountService:
        return AccountService(
            uow_factory=uow_factory,
            reader=reader,
            hasher=PlainPasswordHasher(),
            tokens=tokens,
            clock=clock,
            registration_open=registration_open,
        )

    return make


@pytest.fixture
def accounts(make_accounts: Callable[..., AccountService]) -> AccountService:
    return make_accounts()


@pytest.fixture
def api_keys(
    uow_factory: Callable[[], FakeIdentityUnitOfWork],
    reader: FakeIdentityReader,
    clock: FixedClock,
) -> ApiKeyService:
    return ApiKeyService(uow_factory=uow_factory, reader=reader, clock=clock)


@pytest.fixture
def resolver(
    uow_factory: Callable[[], FakeIdentityUnitOfWork],
    reader: FakeIdentityReader,
    tokens: JwtAccessTokens,
    clock: FixedClock,
) -> CredentialResolver:
    return CredentialResolver(tokens=tokens, reader=reader, uow_factory=uow_factory, clock=clock)
