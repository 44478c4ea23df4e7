"""Idempotent execution of a write: claim the key, do the work, store the answer.

The answer is stored in the same database transaction as the work, so a
request either recorded nothing or recorded its effect together with the
response its retries will get. A refusal by the work (a ``DomainError``: a
sale the position cannot cover, a rejected file) is an answer too: it is
stored once the work is rolled back, and its retries get it again, even after
what refused it has changed; asking again means a new key. Any other failure
(the database gone, the process stopping) answered nothing: it releases the
key, and a retry runs the work afresh.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

from contexts.transaction.application.ports import (
    Claim,
    KeyShortcuts,
    KeyUnavailable,
    NewClaim,
    Replay,
    StoredResponse,
    TransactionUnitOfWork,
    TransactionUnitOfWorkFactory,
)
from contexts.transaction.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from shared_kernel.application.clock import Clock
from shared_kernel.domain.errors import DomainError

T = TypeVar("T")

KEY_RETENTION = timedelta(hours=24)
"""Keys are kept at least this long."""
ABANDONED_AFTER = timedelta(minutes=2)
"""A claim this old without an answer belongs to a request that died: it may be taken over."""
FORGET_EVERY = timedelta(minutes=1)
"""How often expired keys are deleted (a claim treats an expired key as free meanwhile)."""


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    fingerprint: str
    """A digest of what was asked (path and body): a key may only be retried with the same."""
    refusal: Callable[[DomainError], StoredResponse]
    """The response that answers a refusal, as the first request gives it."""


class IdempotentRunner:
    def __init__(
        self, uow_factory: TransactionUnitOfWorkFactory, key_shortcuts: KeyShortcuts, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._key_shortcuts = key_shortcuts
        self._clock = clock
        self._forget_after = clock.now()

    async def run(
        self,
        owner_id: UUID,
        portfolio_id: UUID,
        request: IdempotentRequest | None,
        work: Callable[[TransactionUnitOfWork], Awaitable[T]],
        render: Callable[[T], StoredResponse],
    ) -> StoredResponse:
        if request is None:
            async with self._uow_factory() as uow:
                response = render(await work(uow))
                await uow.commit()
            return response
        claim = await self._claim(owner_id, portfolio_id, request)
        if isinstance(claim, Replay):
            return claim.response
        if claim is KeyUnavailable.REUSED:
            raise IdempotencyKeyReused()
        if claim is KeyUnavailable.IN_USE:
            raise IdempotencyKeyInUse()
        try:
            async with self._uow_factory() as uow:
                response = render(await work(uow))
                completed = await uow.idempotency.complete(
                    owner_id, request.key, claim.claimed_at, response
                )
                if completed:
                    await uow.commit()
        except DomainError as refused:
            async with self._uow_factory() as uow:
                completed = await uow.idempotency.complete(
                    owner_id, request.key, claim.claimed_at, request.refusal(refused)
                )
                await uow.commit()
            if not completed:  # taken over, as below: the key's answer is the retry's
                raise IdempotencyKeyInUse() from refused
            raise
        except Exception:
            async with self._uow_factory() as uow:
                await uow.idempotency.release(owner_id, request.key, claim.claimed_at)
                await uow.commit()
            raise
        if not completed:
            # Slower than ABANDONED_AFTER, its claim was taken over by a retry, which
            # records and answers: this one recorded nothing (its work was rolled back).
            raise IdempotencyKeyInUse()
        return response

    async def stored_answer(
        self, owner_id: UUID, request: IdempotentRequest
    ) -> StoredResponse | None:
        """The answer a request with the same key and body was given, if any: what a
        retry can be answered before it reads its body any further (an import)."""
        return await self._key_shortcuts.stored_answer(
            owner_id, request.key, request.fingerprint, self._clock.now()
        )

    async def _claim(self, owner_id: UUID, portfolio_id: UUID, request: IdempotentRequest) -> Claim:
        now = self._clock.now()
        if now >= self._forget_after:  # housekeeping, not on every request
            self._forget_after = now + FORGET_EVERY
            async with self._uow_factory() as uow:
                await uow.idempotency.forget_expired(now)
                await uow.commit()
        # A new key (the usual case) is claimed in one statement, outside a unit of work.
        if await self._key_shortcuts.claim_new(
            owner_id, request.key, request.fingerprint, portfolio_id, now
        ):
            return NewClaim(claimed_at=now)
        async with self._uow_factory() as uow:
            claim = await uow.idempotency.claim(
                owner_id, request.key, request.fingerprint, portfolio_id, now
            )
            await uow.commit()
        return claim
