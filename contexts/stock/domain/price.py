"""Daily prices as traded (not split-adjusted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.money import positive

MAX_PRICES_PER_REQUEST = 10_000


@dataclass(frozen=True)
class DailyPrice:
    date: date
    close: Decimal
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: int | None = None

    def __post_init__(self) -> None:
        positive(self.close, "close")
        for name in ("open", "high", "low"):
            value = getattr(self, name)
            if value is not None:
                positive(value, name)
        if self.volume is not None and self.volume < 0:
            raise InvalidInput.for_field("volume", "must be greater than or equal to 0")
        if self.high is not None and self.low is not None and self.high < self.low:
            raise InvalidInput.for_field("high", "must not be below low")
