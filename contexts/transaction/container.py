"""Dependency-injection container of the transaction context."""

from __future__ import annotations

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.portfolio.contracts import PortfolioDirectory
from contexts.stock.contracts import StockCatalog
from contexts.transaction.api.router import build_transaction_router
from contexts.transaction.application.book import BookService
from contexts.transaction.application.subscribers import TransactionSubscribers
from contexts.transaction.contracts import TRANSACTION_EVENTS
from contexts.transaction.infrastructure.repositories import (
    SqlKeyShortcuts,
    SqlTransactionHistory,
    SqlTransactionReader,
)
from contexts.transaction.infrastructure.tables import outbox as outbox_table
from contexts.transaction.infrastructure.unit_of_work import (
    SqlTransactionUnitOfWork,
)
from shared_kernel.application.clock import SystemClock
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import Outbox, OutboxRelay
from shared_kernel.web.auth import WebAuth


class TransactionContainer(containers.DeclarativeContainer):
    engine = providers.Dependency(instance_of=AsyncEngine)
    clock = providers.Dependency(instance_of=SystemClock)
    codec = providers.Dependency(instance_of=EventCodec)
    relay = providers.Dependency(instance_of=OutboxRelay)
    auth = providers.Dependency(instance_of=WebAuth)
    stock_catalog: providers.Dependency[StockCatalog] = providers.Dependency()
    portfolio_directory: providers.Dependency[PortfolioDirectory] = providers.Dependency()
    unsafe_ledger = providers.Dependency(instance_of=bool, default=False)
    """Test-only (STOCKBOOK_TEST_UNSAFE_LEDGER): record without position locks."""

    events = providers.Object(TRANSACTION_EVENTS)
    outbox = providers.Singleton(Outbox, table=providers.Object(outbox_table), codec=codec)
    unit_of_work = providers.Factory(
        SqlTransactionUnitOfWork,
        engine=engine,
        outbox=outbox,
        relay=relay,
        clock=clock,
        unsafe_without_position_locks=unsafe_ledger,
    )
    reader = providers.Singleton(SqlTransactionReader, engine=engine)
    history = providers.Singleton(SqlTransactionHistory, engine=engine)

    book = providers.Singleton(
        BookService,
        uow_factory=unit_of_work.provider,
        reader=reader,
        catalog=stock_catalog,
        directory=portfolio_directory,
        key_shortcuts=providers.Singleton(SqlKeyShortcuts, engine=engine),
        clock=clock,
    )
    subscribers = providers.Singleton(TransactionSubscribers, uow_factory=unit_of_work.provider)
    router = providers.Singleton(build_transaction_router, book=book, auth=auth)
