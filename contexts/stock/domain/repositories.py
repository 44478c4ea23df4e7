"""Repository ports of the stock context (implemented in infrastructure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from contexts.stock.domain.price import DailyPrice
from contexts.stock.domain.split import Split
from contexts.stock.domain.stock import Stock


class StockRepository(Protocol):
    async def add(self, stock: Stock) -> None:
        """Insert; raises ``SymbolTaken`` when the symbol is registered."""
        ...

    async def get(self, stock_id: UUID) -> Stock | None:
        """The stock, locked for update until the unit of work ends."""
        ...

    async def save(self, stock: Stock) -> None: ...

    async def ids_by_symbol(self, symbols: Sequence[str]) -> dict[str, UUID]:
        """The ids of the registered stocks among ``symbols`` (upper-case)."""
        ...


class PriceRepository(Protocol):
    async def upsert(self, stock_id: UUID, prices: Sequence[DailyPrice]) -> None:
        """Store prices; a date already stored for the stock is replaced."""
        ...


class SplitRepository(Protocol):
    async def add(self, split: Split) -> None:
        """Insert; raises ``SplitAlreadyRecorded`` for a second split on one date."""
        ...
