"""The portfolio context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.portfolio.infrastructure.projection import SqlProjectionStore
from contexts.portfolio.infrastructure.repositories import SqlPortfolioRepository
from contexts.portfolio.infrastructure.tables import inbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


class SqlPortfolioUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    portfolios: SqlPortfolioRepository
    projection: SqlProjectionStore

    def _bind(self, connection: AsyncConnection) -> None:
        self.portfolios = SqlPortfolioRepository(connection)
        self.projection = SqlProjectionStore(connection)
