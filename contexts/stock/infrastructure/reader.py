"""Read side of the stock catalog: views, search with keyset paging, prices, splits."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, String, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.stock.application.ports import (
    LatestPrice,
    SplitView,
    StockFilter,
    StockSort,
    StockView,
)
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.stock import name_key, symbol_key
from contexts.stock.infrastructure.tables import prices, splits, stocks
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.infrastructure.compiled_statements import CompiledSelect
from shared_kernel.infrastructure.keyset import KeysetOrder

_latest = prices.alias("latest")
_LATEST_DATE = (
    select(func.max(_latest.c.date))
    .where(_latest.c.stock_id == stocks.c.id)
    .scalar_subquery()
    .label("latest_date")
)
_STOCK_VIEW_QUERY = select(stocks, _LATEST_DATE, prices.c.close.label("latest_close")).select_from(
    stocks.outerjoin(prices, and_(prices.c.stock_id == stocks.c.id, prices.c.date == _LATEST_DATE))
)
# Built and compiled once: a statement made per request costs more to build and to
# look up in SQLAlchemy's compiled cache than the query costs SQLite to answer.
_STOCK_BY_ID = CompiledSelect(_STOCK_VIEW_QUERY.where(stocks.c.id == bindparam("stock_id")))
_STOCK_BY_SYMBOL = CompiledSelect(_STOCK_VIEW_QUERY.where(stocks.c.symbol == bindparam("symbol")))


def _view(row: Mapping[str, Any]) -> StockView:
    latest = (
        LatestPrice(date=row["latest_date"], close=row["latest_close"])
        if row["latest_date"] is not None
        else None
    )
    return StockView(
        id=row["id"],
        symbol=row["symbol"],
        name=row["name"],
        currency=row["currency"],
        sector=row["sector"],
        industry_group=row["industry_group"],
        exchange=row["exchange"],
        grade=row["grade"],
        notes=row["notes"],
        listed=row["listed"],
        latest_price=latest,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_SORT_ORDERS = {
    StockSort.SYMBOL: KeysetOrder(stocks.c.symbol),
    StockSort.SYMBOL_DESC: KeysetOrder(stocks.c.symbol, descending=True),
    StockSort.NAME: KeysetOrder(stocks.c.name_key, stocks.c.id),
    StockSort.NAME_DESC: KeysetOrder(stocks.c.name_key, stocks.c.id, descending=True),
    StockSort.CREATED_AT: KeysetOrder(stocks.c.created_at, stocks.c.id),
    StockSort.CREATED_AT_DESC: KeysetOrder(stocks.c.created_at, stocks.c.id, descending=True),
}
"""Symbols are unique, so they need no tie-break; names and creation times do. Names
are ordered case-insensitively, by their key (``name_key``)."""


@functools.cache
def _search_statement(
    sort: StockSort, by_text: bool, by_sector: bool, by_listed: bool, resuming: bool
) -> CompiledSelect:
    """The search for one combination of filters, built once (at most 96 of them).

    Building the statement and its cache key cost more than SQLite takes to
    answer it; every value is a parameter, bound per request.
    """
    order = _SORT_ORDERS[sort]
    query = _STOCK_VIEW_QUERY
    if by_text:
        pattern = bindparam("pattern", type_=String)
        query = query.where(
            or_(
                func.lower(stocks.c.symbol).like(pattern, escape="\\"),
                stocks.c.name_key.like(pattern, escape="\\"),
            )
        )
    if by_sector:
        query = query.where(stocks.c.sector == bindparam("sector"))
    if by_listed:
        query = query.where(stocks.c.listed == bindparam("listed"))
    if resuming:
        query = query.where(order.after_placeholder())
    return CompiledSelect(
        query.order_by(*order.order_by()).limit(bindparam("page_limit", type_=Integer))
    )


class SqlStockReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def _one(self, query: CompiledSelect, parameters: dict[str, Any]) -> StockView | None:
        row = await query.fetch_one(self._engine, parameters)
        return _view(row) if row is not None else None

    async def get(self, stock_id: UUID) -> StockView | None:
        return await self._one(_STOCK_BY_ID, {"stock_id": stock_id})

    async def get_by_symbol(self, symbol: str) -> StockView | None:
        return await self._one(_STOCK_BY_SYMBOL, {"symbol": symbol_key(symbol)})

    async def search(self, stock_filter: StockFilter, page: PageRequest) -> Page[StockView]:
        sort = _SORT_ORDERS[stock_filter.sort]
        parameters: dict[str, Any] = {"page_limit": page.limit + 1}
        if stock_filter.text:
            parameters["pattern"] = f"%{_escape_like(name_key(stock_filter.text))}%"
        if stock_filter.sector is not None:
            parameters["sector"] = stock_filter.sector
        if stock_filter.listed is not None:
            parameters["listed"] = stock_filter.listed
        if page.after is not None:
            parameters |= sort.after_parameters(page.after)
        query = _search_statement(
            stock_filter.sort,
            "pattern" in parameters,
            "sector" in parameters,
            "listed" in parameters,
            page.after is not None,
        )
        rows = await query.fetch_all(self._engine, parameters)
        views = [_view(row) for row in rows[: page.limit]]
        more = len(rows) > page.limit
        next_keyset = None
        if more:
            last = rows[page.limit - 1]
            next_keyset = sort.keyset(*(last[c.name] for c in sort.columns))
        return Page(items=views, next_keyset=next_keyset)

    async def prices(
        self, stock_id: UUID, first: date | None, last: date | None
    ) -> list[DailyPrice]:
        query = select(prices).where(prices.c.stock_id == stock_id)
        if first is not None:
            query = query.where(prices.c.date >= first)
        if last is not None:
            query = query.where(prices.c.date <= last)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query.order_by(prices.c.date))).mappings().all()
        return [
            DailyPrice(
                date=row["date"],
                close=row["close"],
                open=row["open"],
                high=row["high"],
                low=row["low"],
                volume=row["volume"],
            )
            for row in rows
        ]

    async def splits(self, stock_id: UUID) -> list[SplitView]:
        query = (
            select(splits).where(splits.c.stock_id == stock_id).order_by(splits.c.effective_date)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            SplitView(
                id=row["id"],
                stock_id=row["stock_id"],
                effective_date=row["effective_date"],
                numerator=row["numerator"],
                denominator=row["denominator"],
            )
            for row in rows
        ]
