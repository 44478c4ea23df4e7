"""The stock context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.stock.infrastructure.repositories import (
    SqlPriceRepository,
    SqlSplitRepository,
    SqlStockRepository,
)
from contexts.stock.infrastructure.tables import inbox, outbox
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


def stock_outbox(codec: EventCodec) -> Outbox:
    return Outbox(outbox, codec)


class SqlStockUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    stocks: SqlStockRepository
    prices: SqlPriceRepository
    splits: SqlSplitRepository

    def _bind(self, connection: AsyncConnection) -> None:
        self.stocks = SqlStockRepository(connection)
        self.prices = SqlPriceRepository(connection)
        self.splits = SqlSplitRepository(connection)
