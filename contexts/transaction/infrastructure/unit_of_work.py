"""The transaction context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.transaction.infrastructure.repositories import (
    SqlBookLocks,
    SqlIdempotencyRecords,
    SqlTransactionRepository,
)
from contexts.transaction.infrastructure.tables import inbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


class SqlTransactionUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    transactions: SqlTransactionRepository
    books: SqlBookLocks
    idempotency: SqlIdempotencyRecords

    def _bind(self, connection: AsyncConnection) -> None:
        self.transactions = SqlTransactionRepository(connection)
        self.books = SqlBookLocks(connection)
        self.idempotency = SqlIdempotencyRecords(connection)
