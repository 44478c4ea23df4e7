"""Published language of the stock context.

Other contexts may import this module and nothing else of the stock context:
its integration events, and the ``StockCatalog`` query port with its DTOs.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from shared_kernel.domain.events import IntegrationEvent

# --- integration events -------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class StockRegistered(IntegrationEvent):
    stock_id: UUID
    symbol: str
    name: str
    currency: str
    sector: str | None
    industry_group: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class StockUpdated(IntegrationEvent):
    stock_id: UUID
    name: str
    sector: str | None
    industry_group: str | None
    exchange: str | None
    grade: str | None
    version: int


@dataclass(frozen=True, kw_only=True, slots=True)
class StockDelisted(IntegrationEvent):
    stock_id: UUID
    symbol: str


@dataclass(frozen=True, kw_only=True, slots=True)
class StockSplitRecorded(IntegrationEvent):
    stock_id: UUID
    split_id: UUID
    effective_date: date
    numerator: int
    denominator: int


@dataclass(frozen=True, kw_only=True, slots=True)
class StockPricesRecorded(IntegrationEvent):
    stock_id: UUID
    first_date: date
    last_date: date
    count: int


STOCK_EVENTS: tuple[type[IntegrationEvent], ...] = (
    StockRegistered,
    StockUpdated,
    StockDelisted,
    StockSplitRecorded,
    StockPricesRecorded,
)

# --- query port ----------------------------------------------------------


@dataclass(frozen=True)
class StockInfo:
    stock_id: UUID
    symbol: str
    name: str
    currency: str
    sector: str | None
    industry_group: str | None
    listed: bool


@dataclass(frozen=True)
class StockQuote:
    """A stock with its latest close (None: it has never been priced)."""

    info: StockInfo
    latest: ClosingPrice | None


@dataclass(frozen=True)
class SplitInfo:
    split_id: UUID
    effective_date: date
    numerator: int
    denominator: int


@dataclass(frozen=True)
class ClosingPrice:
    date: date
    close: Decimal


@dataclass(frozen=True)
class CloseSeries:
    """A stock's closes over a period, as traded, in a compact form for bulk arithmetic.

    ``dates`` and ``closes`` run in parallel, ascending by date: ``dates`` holds
    each close's day as ``date.toordinal()``, ``closes`` its value as the nearest
    float (``float(close)``). ``opening`` is the latest close on or before the
    period's first day, exact, and then the series' first close (None when the
    stock has none by then); ``closing`` is the latest close on or before the
    period's last day, exact, and the series' last close.
    """

    dates: array[int]
    closes: array[float]
    opening: ClosingPrice | None
    closing: ClosingPrice


class StockCatalog(Protocol):
    """What other contexts may ask of the stock catalog."""

    async def get_stock(self, stock_id: UUID) -> StockInfo | None:
        """The stock, delisted or not, if it is known."""
        ...

    async def get_stocks_by_symbol(self, symbols: Sequence[str]) -> dict[str, StockInfo]:
        """The known stocks among ``symbols`` (case-insensitive), keyed by upper-cased symbol."""
        ...

    async def get_quotes(self, stock_ids: Sequence[UUID]) -> dict[UUID, StockQuote]:
        """The known stocks among ``stock_ids`` (delisted included), each with its latest
        close, in one read."""
        ...

    async def get_splits(self, stock_ids: Sequence[UUID]) -> dict[UUID, list[SplitInfo]]:
        """Each stock's splits ascending by effective date (stocks without any: empty list)."""
        ...

    async def get_close_series(
        self, stock_ids: Sequence[UUID], first: date, last: date
    ) -> dict[UUID, CloseSeries]:
        """Each stock's closes from its latest on or before ``first`` to ``last`` inclusive.

        Stocks without a close on or before ``last`` are left out.
        """
        ...
