"""Dependency-injection container of the stock context."""

from __future__ import annotations

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.stock.api.router import build_stock_router
from contexts.stock.application.catalog import CatalogService
from contexts.stock.application.ports import HeldPositions
from contexts.stock.application.prices import PriceService
from contexts.stock.application.splits import SplitService
from contexts.stock.contracts import STOCK_EVENTS
from contexts.stock.infrastructure.catalog import SqlStockCatalog
from contexts.stock.infrastructure.reader import SqlStockReader
from contexts.stock.infrastructure.tables import outbox as outbox_table
from contexts.stock.infrastructure.unit_of_work import SqlStockUnitOfWork
from shared_kernel.application.clock import SystemClock
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox, OutboxRelay
from shared_kernel.web.auth import WebAuth


class StockContainer(containers.DeclarativeContainer):
    engine = providers.Dependency(instance_of=AsyncEngine)
    clock = providers.Dependency(instance_of=SystemClock)
    codec = providers.Dependency(instance_of=EventCodec)
    relay = providers.Dependency(instance_of=OutboxRelay)
    auth = providers.Dependency(instance_of=WebAuth)
    held_positions: providers.Dependency[HeldPositions] = providers.Dependency()
    """``HeldPositions``: the transaction context's book."""

    events = providers.Object(STOCK_EVENTS)
    outbox = providers.Singleton(Outbox, table=providers.Object(outbox_table), codec=codec)

    unit_of_work = providers.Factory(
        SqlStockUnitOfWork, engine=engine, outbox=outbox, relay=relay, clock=clock
    )
    reader = providers.Singleton(SqlStockReader, engine=engine)
    catalog = providers.Singleton(SqlStockCatalog, engine=engine)

    catalog_service = providers.Singleton(
        CatalogService, uow_factory=unit_of_work.provider, reader=reader, clock=clock
    )
    price_service = providers.Singleton(
        PriceService, uow_factory=unit_of_work.provider, clock=clock
    )
    split_service = providers.Singleton(
        SplitService, uow_factory=unit_of_work.provider, positions=held_positions, clock=clock
    )

    router = providers.Singleton(
        build_stock_router,
        catalog=catalog_service,
        price_service=price_service,
        split_service=split_service,
        reader=reader,
        auth=auth,
    )
