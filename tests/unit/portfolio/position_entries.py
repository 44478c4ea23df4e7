"""Builders of position entries for the portfolio unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from contexts.portfolio.domain.position import EntryKind, PositionEntry

Number = Decimal | int | str


def at(day: date, hour: int = 15, minute: int = 30) -> datetime:
    """A UTC moment on ``day``."""
    return datetime.combine(day, time(hour, minute), UTC)


def _decimal(value: Number) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def trade(
    kind: EntryKind,
    executed_at: datetime,
    quantity: Number,
    price: Number,
    *,
    fee: Number = 0,
    tax: Number = 0,
    recorded_at: datetime | None = None,
    transaction_id: UUID | None = None,
) -> PositionEntry:
    quantity, price = _decimal(quantity), _decimal(price)
    return PositionEntry(
        transaction_id=transaction_id or uuid4(),
        kind=kind,
        executed_at=executed_at,
        recorded_at=recorded_at or executed_at + timedelta(seconds=1),
        quantity=quantity,
        price=price,
        amount=quantity * price,
        fee=_decimal(fee),
        tax=_decimal(tax),
    )


def buy(
    executed_at: datetime,
    quantity: Number,
    price: Number,
    *,
    fee: Number = 0,
    tax: Number = 0,
    recorded_at: datetime | None = None,
    transaction_id: UUID | None = None,
) -> PositionEntry:
    return trade(
        EntryKind.BUY,
        executed_at,
        quantity,
        price,
        fee=fee,
        tax=tax,
        recorded_at=recorded_at,
        transaction_id=transaction_id,
    )


def sell(
    executed_at: datetime,
    quantity: Number,
    price: Number,
    *,
    fee: Number = 0,
    tax: Number = 0,
    recorded_at: datetime | None = None,
    transaction_id: UUID | None = None,
) -> PositionEntry:
    return trade(
        EntryKind.SELL,
        executed_at,
        quantity,
        price,
        fee=fee,
        tax=tax,
        recorded_at=recorded_at,
        transaction_id=transaction_id,
    )


def dividend(executed_at: datetime, amount: Number, *, tax: Number = 0) -> PositionEntry:
    return PositionEntry(
        transaction_id=uuid4(),
        kind=EntryKind.DIVIDEND,
        executed_at=executed_at,
        recorded_at=executed_at,
        quantity=None,
        price=None,
        amount=_decimal(amount),
        fee=Decimal(0),
        tax=_decimal(tax),
    )


def stock_fee(executed_at: datetime, amount: Number) -> PositionEntry:
    return PositionEntry(
        transaction_id=uuid4(),
        kind=EntryKind.FEE,
        executed_at=executed_at,
        recorded_at=executed_at,
        quantity=None,
        price=None,
        amount=_decimal(amount),
        fee=Decimal(0),
        tax=Decimal(0),
    )
