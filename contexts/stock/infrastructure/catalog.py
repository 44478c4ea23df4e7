"""``StockCatalog`` for the other contexts: the published query port, over SQL."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import String, and_, bindparam, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.stock.contracts import CloseSeries, ClosingPrice, SplitInfo, StockInfo, StockQuote
from contexts.stock.domain.stock import symbol_key
from contexts.stock.infrastructure.close_years import read_years
from contexts.stock.infrastructure.tables import prices, splits, stocks
from shared_kernel.infrastructure.compiled_statements import CompiledSelect
from shared_kernel.infrastructure.value_lists import in_value_list

_STOCK_INFO_COLUMNS = (
    stocks.c.id,
    stocks.c.symbol,
    stocks.c.name,
    stocks.c.currency,
    stocks.c.sector,
    stocks.c.industry_group,
    stocks.c.listed,
)


_STOCK_INFO_BY_ID = CompiledSelect(
    select(*_STOCK_INFO_COLUMNS).where(stocks.c.id == bindparam("stock_id"))
)
_STOCK_INFOS_BY_SYMBOL = CompiledSelect(
    select(*_STOCK_INFO_COLUMNS).where(in_value_list(stocks.c.symbol, "symbols"))
)
_SPLITS_OF = CompiledSelect(
    select(splits)
    .where(in_value_list(splits.c.stock_id, "stock_ids"))
    .order_by(splits.c.stock_id, splits.c.effective_date)
)


def _info(row: Mapping[Any, Any]) -> StockInfo:
    return StockInfo(
        stock_id=row["id"],
        symbol=row["symbol"],
        name=row["name"],
        currency=row["currency"],
        sector=row["sector"],
        industry_group=row["industry_group"],
        listed=row["listed"],
    )


_latest = prices.alias("latest")
_QUOTES = CompiledSelect(
    select(
        *_STOCK_INFO_COLUMNS,
        # As the driver gives them (SQLite: text), read once below: cheaper than
        # SQLAlchemy's per-row type processing.
        type_coerce(prices.c.date, String),
        type_coerce(prices.c.close, String),
    )
    .select_from(
        stocks.outerjoin(
            prices,
            and_(
                prices.c.stock_id == stocks.c.id,
                prices.c.date
                == select(func.max(_latest.c.date))
                .where(_latest.c.stock_id == stocks.c.id)
                .scalar_subquery(),
            ),
        )
    )
    .where(in_value_list(stocks.c.id, "stock_ids"))
)
"""Compiled once, run with the ids: each stock by its key, its latest close by an
index seek (the cost follows the number of stocks, never the length of their history)."""


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _as_decimal(value: Decimal | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


class SqlStockCatalog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get_stock(self, stock_id: UUID) -> StockInfo | None:
        row = await _STOCK_INFO_BY_ID.fetch_one(self._engine, {"stock_id": stock_id})
        return _info(row) if row is not None else None

    async def get_stocks_by_symbol(self, symbols: Sequence[str]) -> dict[str, StockInfo]:
        wanted = {symbol_key(symbol) for symbol in symbols}
        if not wanted:
            return {}
        rows = await _STOCK_INFOS_BY_SYMBOL.fetch_all(self._engine, {"symbols": sorted(wanted)})
        return {row["symbol"]: _info(row) for row in rows}

    async def get_quotes(self, stock_ids: Sequence[UUID]) -> dict[UUID, StockQuote]:
        if not stock_ids:
            return {}
        rows = await _QUOTES.fetch_all(self._engine, {"stock_ids": list(set(stock_ids))})
        return {
            row["id"]: StockQuote(
                _info(row),
                ClosingPrice(_as_date(row["date"]), _as_decimal(row["close"]))
                if row["date"] is not None
                else None,
            )
            for row in rows
        }

    async def get_splits(self, stock_ids: Sequence[UUID]) -> dict[UUID, list[SplitInfo]]:
        result: dict[UUID, list[SplitInfo]] = {stock_id: [] for stock_id in stock_ids}
        if not stock_ids:
            return result
        for row in await _SPLITS_OF.fetch_all(self._engine, {"stock_ids": list(set(stock_ids))}):
            result[row["stock_id"]].append(
                SplitInfo(
                    split_id=row["id"],
                    effective_date=row["effective_date"],
                    numerator=row["numerator"],
                    denominator=row["denominator"],
                )
            )
        return result

    async def get_close_series(
        self, stock_ids: Sequence[UUID], first: date, last: date
    ) -> dict[UUID, CloseSeries]:
        """The packed years of ``stock_close_years``; the exact ends from ``stock_prices``."""
        if not stock_ids:
            return {}
        async with self._engine.connect() as connection:
            openings = await _latest_closes(connection, stock_ids, first)
            closings = await _latest_closes(connection, stock_ids, last)
            if not closings:
                return {}
            first_year = min([first.year, *(opening.date.year for opening in openings.values())])
            packed = await read_years(connection, list(closings), first_year, last.year)
        result: dict[UUID, CloseSeries] = {}
        for stock_id, closing in closings.items():
            dates, closes = packed[stock_id]
            opening = openings.get(stock_id)
            begin = bisect_left(dates, (opening.date if opening else first).toordinal())
            end = bisect_right(dates, last.toordinal())
            result[stock_id] = CloseSeries(
                dates=dates[begin:end], closes=closes[begin:end], opening=opening, closing=closing
            )
        return result


async def _latest_closes(
    connection: AsyncConnection, stock_ids: Sequence[UUID], on_or_before: date | None
) -> dict[UUID, ClosingPrice]:
    # Per stock, an index seek for its latest date, then the price row by its key:
    # the cost follows the number of stocks, never the length of their history.
    dated = prices.alias("dated")
    latest_date = select(func.max(dated.c.date)).where(dated.c.stock_id == stocks.c.id)
    if on_or_before is not None:
        latest_date = latest_date.where(dated.c.date <= on_or_before)
    query = (
        select(prices.c.stock_id, prices.c.date, prices.c.close)
        .select_from(
            stocks.join(
                prices,
                and_(
                    prices.c.stock_id == stocks.c.id,
                    prices.c.date == latest_date.scalar_subquery(),
                ),
            )
        )
        .where(stocks.c.id.in_(set(stock_ids)))
    )
    rows = (await connection.execute(query)).all()
    return {row.stock_id: ClosingPrice(date=row.date, close=row.close) for row in rows}
