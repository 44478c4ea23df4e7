"""The portfolio context's unit of work."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.portfolio.infrastructure.projection import SqlProjectionStore
from contexts.portfolio.infrastructure.repositories import SqlPortfolioRepository
from contexts.portfolio.infrastructure.tables import inbox, outbox
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox
from shared_kernel.infrastructure.unit_of_work import SqlUnitOfWork


def portfolio_outbox(codec: EventCodec) -> Outbox:
    return Outbox(outbox, codec)


class SqlPortfolioUnitOfWork(SqlUnitOfWork):
    inbox_table = inbox
    portfolios: SqlPortfolioRepository
    projection: SqlProjectionStore

    def _bind(self, connection: AsyncConnection) -> None:
        self.portfolios = SqlPortfolioRepository(connection)
        self.projection = SqlProjectionStore(connection)
