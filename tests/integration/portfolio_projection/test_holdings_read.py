"""How a holdings report reads, on SQLite and PostgreSQL: the owner's portfolio, its
stored holdings and its cash balance in one statement, the stocks with their latest
closes in another, whatever the size of the book."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest.mock import patch
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event as sql_event
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from contexts.portfolio.application.ports import ProjectionReader
from contexts.portfolio.application.reports import PortfolioReports
from contexts.portfolio.contracts import PortfolioDirectory
from shared_kernel.infrastructure.compiled_statements import CompiledSelect
from tests.api.portfolio_analytics.analytics_api import (
    cash,
    create_portfolio,
    create_stock,
    income,
    set_prices,
    trade,
)


def reader_of(app: FastAPI) -> ProjectionReader:
    reader: ProjectionReader = app.state.container.portfolio.projection_reader()
    return reader


async def owner_of(app: FastAPI, portfolio_id: str) -> UUID:
    directory: PortfolioDirectory = app.state.container.portfolio.directory()
    info = await directory.get_portfolio(UUID(portfolio_id))
    assert info is not None
    return info.owner_id


@pytest.fixture
async def quiet(settings: Settings) -> AsyncIterator[RootContainer]:
    """The contexts on the test database with an engine of their own: no relay or
    subscriber of the running app reads through it while reads are counted."""
    container = RootContainer(settings=settings)
    yield container
    await container.engine().dispose()


@contextmanager
def counted_reads(engine: AsyncEngine) -> Iterator[dict[str, int]]:
    """Connections checked out of the pool and queries sent, while inside: through
    SQLAlchemy, or on the driver by a CompiledSelect."""
    counts = {"checkouts": 0, "queries": 0}
    run_on_driver = CompiledSelect.fetch_all

    async def driver_query(
        compiled: CompiledSelect, engine: AsyncEngine, parameters: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        counts["queries"] += 1
        return await run_on_driver(compiled, engine, parameters)

    def checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    def statement(_connection: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            counts["queries"] += 1

    sql_event.listen(engine.sync_engine.pool, "checkout", checkout)
    sql_event.listen(engine.sync_engine, "before_cursor_execute", statement)
    try:
        with patch.object(CompiledSelect, "fetch_all", driver_query):
            yield counts
    finally:
        sql_event.remove(engine.sync_engine, "before_cursor_execute", statement)
        sql_event.remove(engine.sync_engine.pool, "checkout", checkout)


async def small_book(client: httpx.AsyncClient) -> str:
    """Cash, two priced stocks and one never priced, a sell and a dividend."""
    portfolio_id = await create_portfolio(client, currency="USD")
    await cash(client, portfolio_id, "DEPOSIT", "100000", "2024-01-02T09:00:00Z")
    for symbol, close in (("AAA", "12.5"), ("BBB", "80"), ("CCC", None)):
        stock_id = await create_stock(client, symbol)
        if close is not None:
            await set_prices(client, stock_id, {"2024-01-09": "1", "2024-01-10": close})
        await trade(
            client, portfolio_id, "BUY", stock_id, "30", "10", "2024-01-03T15:00:00Z", fee="1.25"
        )
    await trade(client, portfolio_id, "SELL", stock_id, "10", "11", "2024-01-04T15:00:00Z")
    await income(client, portfolio_id, "DIVIDEND", stock_id, "3.30", "2024-01-05T15:00:00Z")
    return portfolio_id


async def test_owned_holdings_are_the_stored_figures_and_cash(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = await small_book(client)
    owner = await owner_of(app, portfolio_id)
    reader = reader_of(app)
    owned = await reader.owned_holdings(UUID(portfolio_id), owner)
    assert owned is not None
    assert owned.currency == "USD"
    by_stock = sorted(owned.figures, key=lambda f: f.stock_id)
    assert by_stock == sorted(await reader.holdings(UUID(portfolio_id)), key=lambda f: f.stock_id)
    assert len(by_stock) == 3
    assert owned.cash_balance == await reader.cash_balance(UUID(portfolio_id))
    # 100,000 − 3 × (300 + 1.25) + 110 + 3.30
    assert owned.cash_balance == Decimal("99209.55")


async def test_owned_holdings_of_an_empty_portfolio(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = await create_portfolio(client, currency="EUR")
    owned = await reader_of(app).owned_holdings(
        UUID(portfolio_id), await owner_of(app, portfolio_id)
    )
    assert owned is not None
    assert (owned.currency, owned.figures, owned.cash_balance) == ("EUR", [], Decimal(0))


async def test_none_for_someone_elses_or_a_missing_portfolio(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = await small_book(client)
    owner = await owner_of(app, portfolio_id)
    reader = reader_of(app)
    assert await reader.owned_holdings(UUID(portfolio_id), uuid4()) is None
    assert await reader.owned_holdings(uuid4(), owner) is None


def compiled_read_checkouts(engine: AsyncEngine) -> int:
    """Pool checkouts of a compiled read (the owned holdings, the quotes): SQLite reads
    on the loop's own connection (``database.sqlite_reader``), PostgreSQL on a pooled one."""
    return 1 if engine.dialect.name == "postgresql" else 0


async def test_a_report_reads_twice(
    app: FastAPI, client: httpx.AsyncClient, quiet: RootContainer
) -> None:
    """One query for the portfolio side, one for the catalog's side."""
    portfolio_id = await small_book(client)
    owner = await owner_of(app, portfolio_id)
    reports: PortfolioReports = quiet.portfolio.reports()
    with counted_reads(quiet.engine()) as counts:
        report = await reports.holdings(owner, UUID(portfolio_id))
    assert [line.symbol for line in report.holdings] == ["AAA", "BBB", "CCC"]
    assert counts == {"checkouts": 2 * compiled_read_checkouts(quiet.engine()), "queries": 2}


async def test_an_empty_portfolio_needs_no_catalog_read(
    app: FastAPI, client: httpx.AsyncClient, quiet: RootContainer
) -> None:
    portfolio_id = await create_portfolio(client)
    owner = await owner_of(app, portfolio_id)
    reports: PortfolioReports = quiet.portfolio.reports()
    with counted_reads(quiet.engine()) as counts:
        report = await reports.holdings(owner, UUID(portfolio_id))
    assert report.holdings == []
    assert counts == {"checkouts": compiled_read_checkouts(quiet.engine()), "queries": 1}
