"""Resolving a bearer credential (access token or API key) to a principal."""

from __future__ import annotations

from datetime import timedelta

from contexts.identity.application.api_keys import secret_matches, split_key
from contexts.identity.application.ports import (
    AccessTokenService,
    IdentityReader,
    IdentityUnitOfWorkFactory,
)
from shared_kernel.application.clock import Clock
from shared_kernel.application.principal import READ, WRITE, Principal

LAST_USED_PRECISION = timedelta(minutes=1)
"""``last_used_at`` is refreshed at most this often, so reads stay reads."""


class CredentialResolver:
    """Implements ``PrincipalResolver`` for the web layer."""

    def __init__(
        self,
        tokens: AccessTokenService,
        reader: IdentityReader,
        uow_factory: IdentityUnitOfWorkFactory,
        clock: Clock,
    ) -> None:
        self._tokens = tokens
        self._reader = reader
        self._uow_factory = uow_factory
        self._clock = clock

    async def resolve(self, credential: str) -> Principal | None:
        now = self._clock.now()
        parts = split_key(credential)
        if parts is None:
            user_id = self._tokens.verify(credential, now)
            return Principal(user_id, frozenset({READ, WRITE})) if user_id else None
        lookup, secret = parts
        key = await self._reader.api_key_by_lookup_id(lookup)
        if key is None or not key.active or not secret_matches(key, secret):
            return None
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            async with self._uow_factory() as uow:
                await uow.api_keys.touch(key.id, now)
                await uow.commit()
        return Principal(key.user_id, key.scope.grants())
