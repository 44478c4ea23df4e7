"""The transaction context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.transaction.infrastructure.repositories import (
    SqlIdempotencyRecords,
    SqlPositionLocks,
    SqlTransactionRepository,
)
from contexts.transaction.infrastructure.tables import inbox, outbox
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


def transaction_outbox(codec: EventCodec) -> Outbox:
    return Outbox(outbox, codec)


class SqlTransactionUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    transactions: SqlTransactionRepository
    locks: SqlPositionLocks
    idempotency: SqlIdempotencyRecords

    def _bind(self, connection: AsyncConnection) -> None:
        self.transactions = SqlTransactionRepository(connection)
        self.locks = SqlPositionLocks(connection)
        self.idempotency = SqlIdempotencyRecords(connection)
