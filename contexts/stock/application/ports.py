"""Ports the stock application needs: its unit of work and its read side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from contexts.stock.contracts import SplitInfo
from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.repositories import (
    PriceRepository,
    SplitRepository,
    StockRepository,
)
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork


class HeldPositions(Protocol):
    """The books that hold stocks (the transaction context's)."""

    async def shortfall_after_split(self, stock_id: UUID, split: SplitInfo) -> str | None:
        """Why recording ``split`` would leave some position short; None when none."""
        ...


class StockUnitOfWork(UnitOfWork, Protocol):
    stocks: StockRepository
    prices: PriceRepository
    splits: SplitRepository


StockUnitOfWorkFactory = Callable[[], StockUnitOfWork]


@dataclass(frozen=True)
class LatestPrice:
    date: date
    close: Decimal


@dataclass(frozen=True)
class StockView:
    id: UUID
    symbol: str
    name: str
    currency: str
    sector: str | None
    industry_group: str | None
    exchange: str | None
    grade: str | None
    notes: str | None
    listed: bool
    latest_price: LatestPrice | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class SplitView:
    id: UUID
    stock_id: UUID
    effective_date: date
    numerator: int
    denominator: int


class StockSort(StrEnum):
    SYMBOL = "symbol"
    SYMBOL_DESC = "-symbol"
    NAME = "name"
    NAME_DESC = "-name"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"


@dataclass(frozen=True)
class StockFilter:
    text: str | None = None
    sector: str | None = None
    listed: bool | None = True
    sort: StockSort = StockSort.SYMBOL


class StockReader(Protocol):
    """Read side of the catalog (no transaction, no locks)."""

    async def get(self, stock_id: UUID) -> StockView | None: ...

    async def get_by_symbol(self, symbol: str) -> StockView | None: ...

    async def search(self, stock_filter: StockFilter, page: PageRequest) -> Page[StockView]: ...

    async def prices(
        self, stock_id: UUID, first: date | None, last: date | None
    ) -> list[DailyPrice]: ...

    async def splits(self, stock_id: UUID) -> list[SplitView]: ...
