"""Repository ports of the identity context."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from contexts.identity.domain.api_key import ApiKey
from contexts.identity.domain.user import User


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert; raises ``EmailTaken`` when the email is registered."""
        ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def revoke(self, key_id: UUID, user_id: UUID, now: datetime) -> bool:
        """Revoke the user's active key; False when there is none with that id."""
        ...

    async def touch(self, key_id: UUID, now: datetime) -> None:
        """Remember that the key was just used."""
        ...


class LoginFailureLog(Protocol):
    async def lock(self, email: str) -> None:
        """Until the transaction ends, other transactions that lock the same
        email wait: counting and recording an attempt is atomic."""
        ...

    async def record(self, email: str, at: datetime) -> None: ...

    async def since(self, email: str, since: datetime) -> list[datetime]:
        """When logging in as ``email`` failed after ``since``, from anywhere, oldest first."""
        ...

    async def clear(self, email: str) -> None: ...

    async def forget_before(self, before: datetime) -> None: ...
