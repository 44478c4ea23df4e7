"""The transaction context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.transaction.infrastructure.repositories import (
    SqlBookLocks,
    SqlIdempotencyRecords,
    SqlTransactionRepository,
    UnsafeSqlBookLocks,
)
from contexts.transaction.infrastructure.tables import inbox
from shared_kernel.application.clock import Clock
from shared_kernel.infrastructure.outbox import Outbox, OutboxRelay
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


class SqlTransactionUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    transactions: SqlTransactionRepository
    books: SqlBookLocks
    idempotency: SqlIdempotencyRecords

    def __init__(
        self,
        engine: AsyncEngine,
        outbox: Outbox,
        relay: OutboxRelay,
        clock: Clock,
        *,
        unsafe_without_position_locks: bool = False,
    ) -> None:
        """``unsafe_without_position_locks`` is for the reliability tests only
        (``UnsafeSqlBookLocks``): it lets racing sales oversell."""
        super().__init__(engine, outbox, relay, clock)
        self._book_locks = UnsafeSqlBookLocks if unsafe_without_position_locks else SqlBookLocks

    def _bind(self, connection: AsyncConnection) -> None:
        self.transactions = SqlTransactionRepository(connection)
        self.books = self._book_locks(connection)
        self.idempotency = SqlIdempotencyRecords(connection)
