"""Dependency-injection container of the portfolio context."""

from __future__ import annotations

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.portfolio.api.router import build_portfolio_router
from contexts.portfolio.application.portfolios import PortfolioService
from contexts.portfolio.application.projection import HoldingsProjector
from contexts.portfolio.application.reports import PortfolioReports
from contexts.portfolio.contracts import PORTFOLIO_EVENTS
from contexts.portfolio.infrastructure.projection import SqlProjectionReader
from contexts.portfolio.infrastructure.repositories import (
    SqlPortfolioDirectory,
    SqlPortfolioReader,
)
from contexts.portfolio.infrastructure.tables import outbox as outbox_table
from contexts.portfolio.infrastructure.unit_of_work import (
    SqlPortfolioUnitOfWork,
)
from contexts.stock.contracts import StockCatalog
from shared_kernel.application.clock import SystemClock
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox, OutboxRelay
from shared_kernel.web.auth import WebAuth


class PortfolioContainer(containers.DeclarativeContainer):
    engine = providers.Dependency(instance_of=AsyncEngine)
    clock = providers.Dependency(instance_of=SystemClock)
    codec = providers.Dependency(instance_of=EventCodec)
    relay = providers.Dependency(instance_of=OutboxRelay)
    auth = providers.Dependency(instance_of=WebAuth)
    stock_catalog: providers.Dependency[StockCatalog] = providers.Dependency()

    events = providers.Object(PORTFOLIO_EVENTS)
    outbox = providers.Singleton(Outbox, table=providers.Object(outbox_table), codec=codec)
    unit_of_work = providers.Factory(
        SqlPortfolioUnitOfWork, engine=engine, outbox=outbox, relay=relay, clock=clock
    )
    reader = providers.Singleton(SqlPortfolioReader, engine=engine)
    directory = providers.Singleton(SqlPortfolioDirectory, engine=engine)
    projection_reader = providers.Singleton(SqlProjectionReader, engine=engine)

    portfolios = providers.Singleton(
        PortfolioService, uow_factory=unit_of_work.provider, reader=reader, clock=clock
    )
    reports = providers.Singleton(
        PortfolioReports,
        portfolios=reader,
        projection=projection_reader,
        catalog=stock_catalog,
        clock=clock,
    )
    projector = providers.Singleton(
        HoldingsProjector,
        uow_factory=unit_of_work.provider,
        reader=projection_reader,
        catalog=stock_catalog,
    )
    router = providers.Singleton(
        build_portfolio_router, portfolios=portfolios, reports=reports, auth=auth
    )
