"""Stock splits: holdings before the effective date scale by numerator/denominator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from contexts.stock.contracts import StockSplitRecorded
from shared_kernel.domain.errors import ErrorDetail, InvalidInput
from shared_kernel.domain.ids import new_id

MAX_SPLIT_TERM = 1_000_000


@dataclass(frozen=True)
class Split:
    id: UUID
    stock_id: UUID
    effective_date: date
    numerator: int
    denominator: int

    @classmethod
    def new(cls, stock_id: UUID, effective_date: date, numerator: int, denominator: int) -> Split:
        for name, value in (("numerator", numerator), ("denominator", denominator)):
            if not 1 <= value <= MAX_SPLIT_TERM:
                raise InvalidInput.for_field(
                    name, f"must be a whole number from 1 to {MAX_SPLIT_TERM:,}"
                )
        if numerator == denominator:
            raise InvalidInput.for_field("numerator", "a split must change the share count")
        return cls(new_id(), stock_id, effective_date, numerator, denominator)

    def recorded_event(self) -> StockSplitRecorded:
        return StockSplitRecorded(
            stock_id=self.stock_id,
            split_id=self.id,
            effective_date=self.effective_date,
            numerator=self.numerator,
            denominator=self.denominator,
        )


class SplitAlreadyRecorded(InvalidInput):
    def __init__(self, effective_date: date) -> None:
        message = f"a split effective on {effective_date} is already recorded"
        super().__init__(message, [ErrorDetail(message=message, field="effective_date")])
