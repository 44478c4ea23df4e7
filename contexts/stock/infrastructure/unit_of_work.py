"""The stock context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.stock.infrastructure.repositories import (
    SqlPriceRepository,
    SqlSplitRepository,
    SqlStockRepository,
)
from contexts.stock.infrastructure.tables import inbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


class SqlStockUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    stocks: SqlStockRepository
    prices: SqlPriceRepository
    splits: SqlSplitRepository

    def _bind(self, connection: AsyncConnection) -> None:
        self.stocks = SqlStockRepository(connection)
        self.prices = SqlPriceRepository(connection)
        self.splits = SqlSplitRepository(connection)
