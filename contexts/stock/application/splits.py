"""Use case: record a stock split."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contexts.stock.application.ports import SplitView, StockUnitOfWorkFactory
from contexts.stock.domain.errors import StockNotFound
from contexts.stock.domain.split import Split


@dataclass(frozen=True)
class RecordSplit:
    stock_id: UUID
    effective_date: date
    numerator: int
    denominator: int


class SplitService:
    def __init__(self, uow_factory: StockUnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def record(self, command: RecordSplit) -> SplitView:
        split = Split.new(
            command.stock_id,
            command.effective_date,
            command.numerator,
            command.denominator,
        )
        async with self._uow_factory() as uow:
            if await uow.stocks.get(command.stock_id) is None:
                raise StockNotFound(str(command.stock_id))
            await uow.splits.add(split)
            uow.publish(split.recorded_event())
            await uow.commit()
        return SplitView(
            id=split.id,
            stock_id=split.stock_id,
            effective_date=split.effective_date,
            numerator=split.numerator,
            denominator=split.denominator,
        )
