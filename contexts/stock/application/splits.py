"""Use case: record a stock split."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contexts.stock.application.ports import HeldPositions, SplitView, StockUnitOfWorkFactory
from contexts.stock.contracts import SplitInfo
from contexts.stock.domain.calendar import is_after_today
from contexts.stock.domain.errors import SplitLeavesPositionShort, StockNotFound
from contexts.stock.domain.split import Split
from shared_kernel.application.clock import Clock
from shared_kernel.domain.errors import InvalidInput


@dataclass(frozen=True)
class RecordSplit:
    stock_id: UUID
    effective_date: date
    numerator: int
    denominator: int


class SplitService:
    def __init__(
        self, uow_factory: StockUnitOfWorkFactory, positions: HeldPositions, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._positions = positions
        self._clock = clock

    async def record(self, command: RecordSplit) -> SplitView:
        split = Split.new(
            command.stock_id,
            command.effective_date,
            command.numerator,
            command.denominator,
        )
        if is_after_today(command.effective_date, self._clock.now()):
            raise InvalidInput.for_field(
                "effective_date", "is after today (UTC): record a split from its effective date on"
            )
        # The share ledger never goes below zero (DESIGN.md), splits applied: asked
        # before the unit of work, as no context asks another while it holds locks.
        if problem := await self._positions.shortfall_after_split(
            split.stock_id,
            SplitInfo(split.id, split.effective_date, split.numerator, split.denominator),
        ):
            raise SplitLeavesPositionShort(problem)
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
