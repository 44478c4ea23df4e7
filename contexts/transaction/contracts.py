"""Published language of the transaction context: its events and their payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from shared_kernel.domain.events import IntegrationEvent

STOCK_TRADE_TYPES = frozenset({"BUY", "SELL"})
"""Transaction types that move shares."""


@dataclass(frozen=True, slots=True)
class TransactionData:
    """A transaction as others may know it (``type`` is one of the seven type names)."""

    transaction_id: UUID
    portfolio_id: UUID
    owner_id: UUID
    type: str
    stock_id: UUID | None
    symbol: str | None
    quantity: Decimal | None
    price: Decimal | None
    amount: Decimal
    fee: Decimal
    tax: Decimal
    currency: str
    executed_at: datetime
    recorded_at: datetime
    voided_at: datetime | None
    external_id: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class TransactionRecorded(IntegrationEvent):
    transaction: TransactionData


@dataclass(frozen=True, kw_only=True, slots=True)
class TransactionVoided(IntegrationEvent):
    transaction: TransactionData


TRANSACTION_EVENTS: tuple[type[IntegrationEvent], ...] = (TransactionRecorded, TransactionVoided)


class TransactionHistory(Protocol):
    """The book as the source of truth, for rebuilding projections elsewhere."""

    async def portfolio_transactions(self, portfolio_id: UUID) -> list[TransactionData]:
        """Every transaction of the portfolio, voided ones included, oldest first."""
        ...

    async def portfolio_ids(self) -> list[UUID]:
        """Every portfolio that has transactions."""
        ...
