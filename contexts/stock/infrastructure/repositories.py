"""SQL repositories of the stock context (write side, inside a unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.stock.domain.errors import SymbolTaken
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.split import Split, SplitAlreadyRecorded
from contexts.stock.domain.stock import Grade, Stock, StockDetails, name_key
from contexts.stock.infrastructure.close_years import lock_stock_prices, repack_years
from contexts.stock.infrastructure.tables import prices, splits, stocks
from shared_kernel.infrastructure.database import conflict_insert
from shared_kernel.infrastructure.optimistic import ensure_one_row_updated


def stock_from_row(row: RowMapping) -> Stock:
    return Stock(
        stock_id=row["id"],
        symbol=row["symbol"],
        currency=row["currency"],
        details=StockDetails(
            name=row["name"],
            sector=row["sector"],
            industry_group=row["industry_group"],
            exchange=row["exchange"],
            grade=Grade(row["grade"]) if row["grade"] else None,
            notes=row["notes"],
        ),
        listed=row["listed"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _stock_values(stock: Stock) -> dict[str, Any]:
    details = stock.details
    return {
        "name": details.name,
        "name_key": name_key(details.name),
        "sector": details.sector,
        "industry_group": details.industry_group,
        "exchange": details.exchange,
        "grade": details.grade.value if details.grade else None,
        "notes": details.notes,
        "listed": stock.listed,
        "updated_at": stock.updated_at,
        "version": stock.version,
    }


class SqlStockRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection
        self._loaded_versions: dict[UUID, int] = {}

    async def add(self, stock: Stock) -> None:
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(
                    insert(stocks).values(
                        id=stock.id,
                        symbol=stock.symbol,
                        currency=stock.currency,
                        created_at=stock.created_at,
                        **_stock_values(stock),
                    )
                )
        except IntegrityError:
            raise SymbolTaken(stock.symbol) from None
        self._loaded_versions[stock.id] = stock.version

    async def get(self, stock_id: UUID) -> Stock | None:
        row = (
            (
                await self._connection.execute(
                    select(stocks).where(stocks.c.id == stock_id).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        self._loaded_versions[stock_id] = row["version"]
        return stock_from_row(row)

    async def save(self, stock: Stock) -> None:
        loaded = self._loaded_versions[stock.id]
        if stock.version == loaded:
            return
        result = await self._connection.execute(
            update(stocks)
            .where(stocks.c.id == stock.id, stocks.c.version == loaded)
            .values(**_stock_values(stock))
        )
        ensure_one_row_updated(result, f"stock {stock.symbol}")
        self._loaded_versions[stock.id] = stock.version

    async def ids_by_symbol(self, symbols: Sequence[str]) -> dict[str, UUID]:
        if not symbols:
            return {}
        rows = await self._connection.execute(
            select(stocks.c.symbol, stocks.c.id).where(stocks.c.symbol.in_(symbols))
        )
        return {row.symbol: row.id for row in rows}


class SqlPriceRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def upsert(self, stock_id: UUID, daily_prices: Sequence[DailyPrice]) -> None:
        await lock_stock_prices(self._connection, stock_id)
        statement = conflict_insert(self._connection, prices)
        statement = statement.on_conflict_do_update(
            index_elements=[prices.c.stock_id, prices.c.date],
            set_={
                name: statement.excluded[name]
                for name in ("close", "open", "high", "low", "volume")
            },
        )
        await self._connection.execute(
            statement,
            [
                {
                    "stock_id": stock_id,
                    "date": price.date,
                    "close": price.close,
                    "open": price.open,
                    "high": price.high,
                    "low": price.low,
                    "volume": price.volume,
                }
                for price in daily_prices
            ],
        )
        await repack_years(self._connection, stock_id, {price.date.year for price in daily_prices})


class SqlSplitRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, split: Split) -> None:
        try:
            async with self._connection.begin_nested():
                await self._connection.execute(
                    insert(splits).values(
                        id=split.id,
                        stock_id=split.stock_id,
                        effective_date=split.effective_date,
                        numerator=split.numerator,
                        denominator=split.denominator,
                    )
                )
        except IntegrityError:
            raise SplitAlreadyRecorded(split.effective_date) from None
