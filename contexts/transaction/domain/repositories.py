"""Repository ports of the transaction context."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from contexts.transaction.domain.ledger import LedgerEntry
from contexts.transaction.domain.transaction import Transaction


class TransactionRepository(Protocol):
    async def add_all(self, transactions: Sequence[Transaction]) -> None:
        """Insert; an ``external_id`` already live in the portfolio is refused (422)."""
        ...

    async def get(self, transaction_id: UUID, owner_id: UUID) -> Transaction | None:
        """The owner's transaction; None when missing or someone else's."""
        ...

    async def mark_voided(self, transaction: Transaction) -> bool:
        """Set ``voided_at``; False when it was already voided (nothing changed)."""
        ...

    async def position_entries(
        self, portfolio_id: UUID, stock_ids: Sequence[UUID]
    ) -> dict[UUID, list[LedgerEntry]]:
        """The live (not voided) buys and sells of the positions, by stock (in one read)."""
        ...

    async def live_by_external_id(
        self, portfolio_id: UUID, external_ids: Sequence[str]
    ) -> dict[str, Transaction]:
        """The portfolio's live transactions that have one of ``external_ids``, by it."""
        ...

    async def delete_portfolio(self, portfolio_id: UUID) -> None:
        """Remove the portfolio's whole book (its transactions and ledger rows)."""
        ...


class BookLocks(Protocol):
    async def enter_book(self, portfolio_id: UUID, *, exclusive: bool) -> bool:
        """Hold the portfolio's book until the unit of work ends; False when it is closed.

        Writers of transactions enter shared (they still queue per position);
        an import enters exclusive, so what it reads of the book stays true
        until it commits; closing a deleted portfolio's book waits for all.
        """
        ...

    async def close_book(self, portfolio_id: UUID, now: datetime) -> None:
        """Close the book for good (exclusive): later writers find it closed."""
        ...

    async def lock_positions(self, portfolio_id: UUID, stock_ids: Sequence[UUID]) -> None:
        """Hold the positions' ledger locks until the unit of work ends.

        Two writers of one position queue here, so both see each other's
        sales: the ledger invariant holds under concurrency. Locks are taken
        in a fixed order, so multi-position writers cannot deadlock.
        """
        ...
