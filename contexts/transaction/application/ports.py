"""Ports the transaction application needs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Protocol
from uuid import UUID

from contexts.transaction.domain.ledger import LedgerEntry
from contexts.transaction.domain.repositories import BookLocks, TransactionRepository
from contexts.transaction.domain.transaction import Transaction, TransactionType
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StoredResponse:
    """The response first given to an idempotent request, to give again to its retries."""

    status: int
    body: str
    location: str | None = None


@dataclass(frozen=True)
class NewClaim:
    """Nobody held the key: this request may go ahead, then complete or release it."""

    claimed_at: datetime
    """When this claim was made: what marks it as this request's (a retry may take
    over a claim thought abandoned, with a mark of its own)."""


@dataclass(frozen=True)
class Replay:
    """A request with the same key and body was answered: answer it the same again."""

    response: StoredResponse


class KeyUnavailable(Enum):
    IN_USE = "in_use"
    """A request with this key is still being processed."""
    REUSED = "reused"
    """The key was used for a different request."""


Claim = NewClaim | Replay | KeyUnavailable
"""What claiming an idempotency key found."""


class IdempotencyRecords(Protocol):
    async def claim(
        self, owner_id: UUID, key: str, fingerprint: str, portfolio_id: UUID, now: datetime
    ) -> Claim: ...

    async def complete(
        self, owner_id: UUID, key: str, claimed_at: datetime, response: StoredResponse
    ) -> bool:
        """Store the answer on the claim made at ``claimed_at``; False when that claim
        is no longer there (taken over: the request must record nothing)."""
        ...

    async def release(self, owner_id: UUID, key: str, claimed_at: datetime) -> None:
        """Free the key, if the claim made at ``claimed_at`` still holds it unanswered."""
        ...

    async def delete_portfolio(self, portfolio_id: UUID) -> None: ...

    async def forget_expired(self, now: datetime) -> None: ...


class KeyShortcuts(Protocol):
    """The usual cases, each in one statement, without a unit of work."""

    async def claim_new(
        self, owner_id: UUID, key: str, fingerprint: str, portfolio_id: UUID, now: datetime
    ) -> bool:
        """Claim a key nobody holds, committed at once, in one statement; False if the
        key is held or was used (``IdempotencyRecords.claim`` then says how)."""
        ...

    async def stored_answer(
        self, owner_id: UUID, key: str, fingerprint: str, now: datetime
    ) -> StoredResponse | None:
        """The answer stored for the same key and request, unexpired; None otherwise
        (``IdempotencyRecords.claim`` then says what to do)."""
        ...


class TransactionUnitOfWork(UnitOfWork, Protocol):
    transactions: TransactionRepository
    books: BookLocks
    idempotency: IdempotencyRecords


TransactionUnitOfWorkFactory = Callable[[], TransactionUnitOfWork]


@dataclass(frozen=True)
class TransactionFilter:
    portfolio_id: UUID
    type: TransactionType | None = None
    stock_id: UUID | None = None
    first_date: date | None = None
    last_date: date | None = None
    include_voided: bool = False


class TransactionReader(Protocol):
    async def get(self, transaction_id: UUID, owner_id: UUID) -> Transaction | None: ...

    async def search(
        self, transaction_filter: TransactionFilter, page: PageRequest
    ) -> Page[Transaction]:
        """Newest ``executed_at`` first."""
        ...

    def live_in_order(self, portfolio_id: UUID) -> AsyncIterator[Transaction]:
        """The portfolio's live transactions, oldest first, read in batches."""
        ...

    async def positions_in(self, stock_id: UUID) -> dict[UUID, list[LedgerEntry]]:
        """The live BUY and SELL entries of ``stock_id``, by portfolio."""
        ...
