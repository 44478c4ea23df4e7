"""Ports the identity application needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from contexts.identity.domain.api_key import ApiKey
from contexts.identity.domain.repositories import (
    ApiKeyRepository,
    LoginFailureLog,
    UserRepository,
)
from contexts.identity.domain.user import User
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork


class IdentityUnitOfWork(UnitOfWork, Protocol):
    users: UserRepository
    api_keys: ApiKeyRepository
    login_failures: LoginFailureLog


IdentityUnitOfWorkFactory = Callable[[], IdentityUnitOfWork]


class IdentityReader(Protocol):
    """Read side (no transaction, no locks)."""

    async def user(self, user_id: UUID) -> User | None: ...

    async def user_by_email(self, email: str) -> User | None: ...

    async def api_key_by_lookup_id(self, lookup_id: str) -> ApiKey | None: ...

    async def active_api_keys(self, user_id: UUID, page: PageRequest) -> Page[ApiKey]:
        """The user's keys that are not revoked, oldest first."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    """Seconds until it expires."""


class AccessTokenService(Protocol):
    def issue(self, user_id: UUID, now: datetime) -> AccessToken: ...

    def verify(self, token: str, now: datetime) -> UUID | None:
        """The user the token was issued to; None when invalid, tampered or expired."""
        ...
