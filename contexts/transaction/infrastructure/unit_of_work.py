"""The transaction context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.transaction.infrastructure.repositories import (
    SqlIdempotencyRecords,
    SqlPositionLocks,
    SqlTransactionRepository,
)
from contexts.transaction.infrastructure.tables import inbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


class SqlTransactionUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    transactions: SqlTransactionRepository
    locks: SqlPositionLocks
    idempotency: SqlIdempotencyRecords

    def _bind(self, connection: AsyncConnection) -> None:
        self.transactions = SqlTransactionRepository(connection)
        self.locks = SqlPositionLocks(connection)
        self.idempotency = SqlIdempotencyRecords(connection)
