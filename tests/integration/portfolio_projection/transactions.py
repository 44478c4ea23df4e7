"""Copies of transactions as the projection receives them, for the projection tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID, uuid4

from contexts.transaction.contracts import TransactionData


def transaction_data(
    portfolio_id: UUID,
    kind: str,
    stock_id: UUID | None,
    executed_at: datetime,
    recorded_at: datetime,
    *,
    quantity: str | None = None,
    price: str | None = None,
    amount: str | None = None,
    fee: str = "0",
    tax: str = "0",
) -> TransactionData:
    """A live transaction; a trade's amount is its quantity times its price."""
    total = Decimal(amount) if amount else Decimal(quantity or 0) * Decimal(price or 0)
    return TransactionData(
        transaction_id=uuid4(),
        portfolio_id=portfolio_id,
        owner_id=uuid4(),
        type=kind,
        stock_id=stock_id,
        symbol=None,
        quantity=Decimal(quantity) if quantity else None,
        price=Decimal(price) if price else None,
        amount=total,
        fee=Decimal(fee),
        tax=Decimal(tax),
        currency="USD",
        executed_at=executed_at,
        recorded_at=recorded_at,
        voided_at=None,
        external_id=None,
    )
