"""Use cases that change the catalog: register, update, delist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from contexts.stock.application.ports import (
    StockReader,
    StockUnitOfWorkFactory,
    StockView,
)
from contexts.stock.domain.errors import StockNotFound
from contexts.stock.domain.stock import Stock, StockDetails
from shared_kernel.application.clock import Clock
from shared_kernel.domain.errors import InvalidInput, VersionCheck

EDITABLE_FIELDS = frozenset({"name", "sector", "industry_group", "exchange", "grade", "notes"})
IMMUTABLE_FIELDS = frozenset({"symbol", "currency"})


@dataclass(frozen=True)
class RegisterStock:
    symbol: str
    name: str
    currency: str = "USD"
    sector: str | None = None
    industry_group: str | None = None
    exchange: str | None = None
    grade: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class UpdateStock:
    stock_id: UUID
    changes: Mapping[str, str | None]
    """Only the fields to change; None clears an optional field."""
    expected: VersionCheck = field(default_factory=VersionCheck)


@dataclass(frozen=True)
class DelistStock:
    stock_id: UUID
    expected: VersionCheck = field(default_factory=VersionCheck)


class CatalogService:
    def __init__(
        self, uow_factory: StockUnitOfWorkFactory, reader: StockReader, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._clock = clock

    async def register(self, command: RegisterStock) -> StockView:
        details = StockDetails.checked(
            name=command.name,
            sector=command.sector,
            industry_group=command.industry_group,
            exchange=command.exchange,
            grade=command.grade,
            notes=command.notes,
        )
        stock = Stock.register(command.symbol, command.currency, details, self._clock.now())
        async with self._uow_factory() as uow:
            await uow.stocks.add(stock)
            uow.collect(stock)
            await uow.commit()
        return await self._view(stock.id)

    async def update(self, command: UpdateStock) -> StockView:
        for name in command.changes:
            if name in IMMUTABLE_FIELDS:
                raise InvalidInput.for_field(name, "cannot be changed after registration")
            if name not in EDITABLE_FIELDS:
                raise InvalidInput.for_field(name, "unknown field")
        if command.changes.get("name", "") is None:
            raise InvalidInput.for_field("name", "must not be empty")
        async with self._uow_factory() as uow:
            stock = await uow.stocks.get(command.stock_id)
            if stock is None:
                raise StockNotFound(str(command.stock_id))
            current = stock.details
            merged: dict[str, str | None] = {
                "name": current.name,
                "sector": current.sector,
                "industry_group": current.industry_group,
                "exchange": current.exchange,
                "grade": current.grade.value if current.grade else None,
                "notes": current.notes,
            }
            merged.update(command.changes)
            details = StockDetails.checked(
                name=merged["name"] or "",
                sector=merged["sector"],
                industry_group=merged["industry_group"],
                exchange=merged["exchange"],
                grade=merged["grade"],
                notes=merged["notes"],
            )
            stock.update(details, command.expected, self._clock.now())
            await uow.stocks.save(stock)
            uow.collect(stock)
            await uow.commit()
        return await self._view(command.stock_id)

    async def delist(self, command: DelistStock) -> None:
        async with self._uow_factory() as uow:
            stock = await uow.stocks.get(command.stock_id)
            if stock is None:
                raise StockNotFound(str(command.stock_id))
            stock.delist(command.expected, self._clock.now())
            await uow.stocks.save(stock)
            uow.collect(stock)
            await uow.commit()

    async def _view(self, stock_id: UUID) -> StockView:
        view = await self._reader.get(stock_id)
        if view is None:  # removed between the commit and this read: not possible today
            raise StockNotFound(str(stock_id))
        return view
