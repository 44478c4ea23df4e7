"""Migration ``stock_0002`` packs the closes already stored, on both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from alembic import command
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bootstrap.migrations import alembic_config, upgrade_to_heads
from contexts.stock.contracts import CloseSeries, ClosingPrice
from contexts.stock.infrastructure.catalog import SqlStockCatalog
from contexts.stock.infrastructure.tables import prices, stocks
from shared_kernel.infrastructure.database import create_engine
from tests.integration.test_migrations import empty_database_url  # noqa: F401 (a fixture)

D = Decimal
NOW = datetime(2025, 1, 15, tzinfo=UTC)


async def _store_prices(url: str, rows: list[dict[str, Any]]) -> None:
    engine = create_engine(make_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(stocks),
                [
                    {
                        "id": stock_id,
                        "symbol": f"S{index}",
                        "name": f"Stock {index}",
                        "currency": "USD",
                        "listed": True,
                        "created_at": NOW,
                        "updated_at": NOW,
                        "version": 1,
                    }
                    for index, stock_id in enumerate({row["stock_id"] for row in rows})
                ],
            )
            await connection.execute(insert(prices), rows)
    finally:
        await engine.dispose()


async def _close_series(url: str, **period: Any) -> dict[Any, CloseSeries]:
    engine = create_engine(make_url(url))
    try:
        return await SqlStockCatalog(engine).get_close_series(**period)
    finally:
        await engine.dispose()


def test_the_closes_stored_before_are_packed_by_year(
    empty_database_url: str,  # noqa: F811 (the fixture imported above)
) -> None:
    command.upgrade(alembic_config(empty_database_url), "stock_0001")
    apple, exxon = uuid4(), uuid4()
    closes = {
        apple: [
            (date(2019, 12, 31), "70.5"),
            (date(2020, 1, 2), "75.0875"),
            (date(2022, 6, 1), "0.000000000001"),
        ],
        exxon: [(date(2020, 3, 2), "41")],
    }
    asyncio.run(
        _store_prices(
            empty_database_url,
            [
                {"stock_id": stock_id, "date": day, "close": D(close)}
                for stock_id, stock_closes in closes.items()
                for day, close in stock_closes
            ],
        )
    )

    upgrade_to_heads(empty_database_url)
    found = asyncio.run(
        _close_series(
            empty_database_url,
            stock_ids=[apple, exxon],
            first=date(2019, 1, 1),
            last=date(2030, 1, 1),
        )
    )

    assert set(found) == {apple, exxon}
    for stock_id, stock_closes in closes.items():
        series = found[stock_id]
        assert list(series.dates) == [day.toordinal() for day, _ in stock_closes]
        assert list(series.closes) == [float(D(close)) for _, close in stock_closes]
        last_day, last_close = stock_closes[-1]
        assert series.closing == ClosingPrice(last_day, D(last_close))
