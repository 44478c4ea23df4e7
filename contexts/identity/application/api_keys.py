"""Use cases for API keys: create (shown once), list, revoke; and their format."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from uuid import UUID

from contexts.identity.application.ports import IdentityReader, IdentityUnitOfWorkFactory
from contexts.identity.domain.api_key import ApiKey, Scope, key_name_of
from contexts.identity.domain.errors import ApiKeyNotFound
from shared_kernel.application.clock import Clock
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.ids import new_id

KEY_PREFIX = "sbk_"
_LOOKUP_BYTES = 9
_SECRET_BYTES = 32


@dataclass(frozen=True)
class CreatedApiKey:
    key: ApiKey
    plaintext: str
    """The whole key; it is shown once and never stored."""


def hash_secret(secret: str) -> str:
    """Keys are 256 random bits: a fast hash is safe, and keeps every request cheap."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(plaintext: str) -> tuple[str, str] | None:
    """``sbk_<lookup>_<secret>`` → (lookup, secret); None for anything else."""
    if not plaintext.startswith(KEY_PREFIX):
        return None
    lookup, separator, secret = plaintext[len(KEY_PREFIX) :].partition("_")
    if not separator or not lookup or not secret:
        return None
    return lookup, secret


def secret_matches(key: ApiKey, secret: str) -> bool:
    return hmac.compare_digest(key.secret_hash, hash_secret(secret))


class ApiKeyService:
    def __init__(
        self, uow_factory: IdentityUnitOfWorkFactory, reader: IdentityReader, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._clock = clock

    async def create(self, user_id: UUID, name: str, scope: str) -> CreatedApiKey:
        try:
            key_scope = Scope(scope)
        except ValueError:
            raise InvalidInput.for_field("scope", "must be read or write") from None
        lookup = secrets.token_hex(_LOOKUP_BYTES)
        secret = secrets.token_urlsafe(_SECRET_BYTES).replace("_", "-")
        key = ApiKey(
            id=new_id(),
            user_id=user_id,
            name=key_name_of(name),
            scope=key_scope,
            lookup_id=lookup,
            secret_hash=hash_secret(secret),
            created_at=self._clock.now(),
        )
        async with self._uow_factory() as uow:
            await uow.api_keys.add(key)
            await uow.commit()
        return CreatedApiKey(key=key, plaintext=f"{KEY_PREFIX}{lookup}_{secret}")

    async def list_keys(self, user_id: UUID, page: PageRequest) -> Page[ApiKey]:
        return await self._reader.active_api_keys(user_id, page)

    async def revoke(self, user_id: UUID, key_id: UUID) -> None:
        async with self._uow_factory() as uow:
            if not await uow.api_keys.revoke(key_id, user_id, self._clock.now()):
                raise ApiKeyNotFound()
            await uow.commit()
