"""record_transaction: the rules of one transaction, without any database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contexts.transaction.domain.errors import CurrencyMismatch, StockDelisted
from contexts.transaction.domain.transaction import (
    StockFacts,
    Transaction,
    TransactionInput,
    TransactionType,
    record_transaction,
)
from shared_kernel.domain.errors import InvalidInput

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
AT = datetime(2025, 5, 1, 10, 0, tzinfo=UTC)
AAPL = StockFacts(uuid4(), "AAPL", "USD", listed=True)


def make(
    request: TransactionInput,
    stock: StockFacts | None = AAPL,
    currency: str = "USD",
    *,
    imported: bool = False,
) -> Transaction:
    return record_transaction(
        request,
        portfolio_id=uuid4(),
        owner_id=uuid4(),
        portfolio_currency=currency,
        stock=stock if request.stock_id is not None else None,
        now=NOW,
        imported=imported,
    )


def trade(kind: str = "BUY", **fields: Any) -> TransactionInput:
    values: dict[str, Any] = {
        "type": kind,
        "executed_at": AT,
        "stock_id": AAPL.stock_id,
        "quantity": Decimal(10),
        "price": Decimal("1.5"),
        **fields,
    }
    return TransactionInput(**values)


def cash(kind: str, **fields: Any) -> TransactionInput:
    return TransactionInput(**{"type": kind, "executed_at": AT, "amount": Decimal(5), **fields})


def test_a_buy_computes_its_amount_and_takes_the_stock_and_portfolio_facts() -> None:
    made = make(trade(fee=Decimal("0.5"), notes="  hi  ", external_id=" x "))
    assert made.type is TransactionType.BUY
    assert made.amount == Decimal("15.0")
    assert (made.stock_id, made.symbol, made.currency) == (AAPL.stock_id, "AAPL", "USD")
    assert made.notes == "hi"
    assert made.external_id == "x"
    assert made.recorded_at == NOW
    assert made.voided_at is None
    assert made.share_delta == Decimal(10)
    assert make(trade("SELL")).share_delta == Decimal(-10)
    assert make(cash("DIVIDEND", stock_id=AAPL.stock_id)).share_delta == 0


@given(
    st.decimals(min_value=Decimal("0.000000000001"), max_value=Decimal("1e17"), places=12),
    st.decimals(min_value=Decimal(0), max_value=Decimal("1e17"), places=12),
)
def test_the_amount_is_the_exact_product(quantity: Decimal, price: Decimal) -> None:
    made = make(trade(quantity=quantity, price=price))
    assert Fraction(made.amount) == Fraction(quantity) * Fraction(price)


def test_executed_at_is_utc_and_not_in_the_future() -> None:
    naive = make(trade(executed_at=datetime(2025, 5, 1, 10, 0)))
    assert naive.executed_at == AT
    assert naive.executed_at.tzinfo is UTC
    offset = make(
        trade(executed_at=datetime(2025, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))))
    )
    assert offset.executed_at == AT
    assert offset.executed_at.utcoffset() == timedelta(0)
    assert make(trade(executed_at=NOW)).executed_at == NOW
    with pytest.raises(InvalidInput) as future:
        make(trade(executed_at=NOW + timedelta(minutes=5)))
    assert future.value.errors[0].field == "executed_at"
    with pytest.raises(InvalidInput):
        make(trade(executed_at=datetime(1899, 12, 31, tzinfo=UTC)))


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (trade("GIFT"), "type"),
        (trade(stock_id=None), "stock_id"),
        (trade("SELL", stock_id=None), "stock_id"),
        (cash("DIVIDEND"), "stock_id"),
        (trade(quantity=None), "quantity"),
        (trade(price=None), "price"),
        (trade(quantity=Decimal(0)), "quantity"),
        (trade("SELL", quantity=Decimal(-1)), "quantity"),
        (trade(price=Decimal("-0.01")), "price"),
        (trade(amount=Decimal(15)), "amount"),
        (trade(fee=Decimal(-1)), "fee"),
        (trade(tax=Decimal(-1)), "tax"),
        (trade(quantity=Decimal("NaN")), "quantity"),
        (trade(price=Decimal("Infinity")), "price"),
        (cash("DIVIDEND", stock_id=AAPL.stock_id, amount=Decimal(0)), "amount"),
        (cash("DIVIDEND", stock_id=AAPL.stock_id, quantity=Decimal(1)), "quantity"),
        (cash("INTEREST", stock_id=AAPL.stock_id), "stock_id"),
        (cash("DEPOSIT", stock_id=AAPL.stock_id), "stock_id"),
        (cash("WITHDRAWAL", stock_id=AAPL.stock_id), "stock_id"),
        (cash("DEPOSIT", amount=None), "amount"),
        (cash("WITHDRAWAL", amount=Decimal("-0.01")), "amount"),
        (cash("FEE", amount=Decimal(0)), "amount"),
        (cash("FEE", price=Decimal(1)), "price"),
        (cash("INTEREST", amount=Decimal("NaN")), "amount"),
        (cash("DEPOSIT", notes="x" * 1001), "notes"),
        (cash("DEPOSIT", external_id="x" * 101), "external_id"),
        # a fee or a tax that the cash balance (API.md) would not count
        (cash("DEPOSIT", fee=Decimal(1)), "fee"),
        (cash("DEPOSIT", tax=Decimal(1)), "tax"),
        (cash("WITHDRAWAL", fee=Decimal("0.01")), "fee"),
        (cash("WITHDRAWAL", tax=Decimal(1)), "tax"),
        (cash("FEE", fee=Decimal(1)), "fee"),
        (cash("FEE", tax=Decimal(1)), "tax"),
        (cash("INTEREST", fee=Decimal(1)), "fee"),
        (cash("DIVIDEND", stock_id=AAPL.stock_id, fee=Decimal(1)), "fee"),
        # more withheld than was paid
        (cash("DIVIDEND", stock_id=AAPL.stock_id, tax=Decimal("5.01")), "tax"),
        (cash("INTEREST", tax=Decimal(6)), "tax"),
    ],
)
def test_invalid_requests_name_their_field(request_: TransactionInput, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        make(request_)
    assert [e.field for e in refused.value.errors] == [field]


def test_an_unknown_stock_is_invalid_input_on_stock_id() -> None:
    with pytest.raises(InvalidInput) as refused:
        record_transaction(
            trade(),
            portfolio_id=uuid4(),
            owner_id=uuid4(),
            portfolio_currency="USD",
            stock=None,
            now=NOW,
        )
    assert refused.value.errors[0].field == "stock_id"


def test_the_stock_optional_fee_and_the_cash_types() -> None:
    fee_on_stock = make(cash("FEE", stock_id=AAPL.stock_id))
    assert fee_on_stock.symbol == "AAPL"
    plain_fee = make(cash("FEE"))
    assert plain_fee.stock_id is None
    assert plain_fee.symbol is None
    for kind in ("INTEREST", "DEPOSIT", "WITHDRAWAL"):
        made = make(cash(kind))
        assert (made.quantity, made.price, made.amount) == (None, None, Decimal(5))
    assert make(cash("INTEREST", tax=Decimal("0.1"))).tax == Decimal("0.1")  # withheld
    assert make(cash("DIVIDEND", stock_id=AAPL.stock_id, tax=Decimal(5))).tax == 5  # all of it
    assert make(cash("deposit")).type is TransactionType.DEPOSIT  # CSV cells may be lower-case


def test_currency_mismatch_and_delisting() -> None:
    euro = replace(AAPL, symbol="SAP", currency="EUR")
    with pytest.raises(CurrencyMismatch) as mismatch:
        make(trade(), stock=euro)
    assert "EUR" in mismatch.value.detail
    assert "USD" in mismatch.value.detail
    with pytest.raises(CurrencyMismatch):
        make(cash("DIVIDEND", stock_id=AAPL.stock_id), stock=AAPL, currency="EUR")
    assert make(cash("DEPOSIT"), currency="EUR").currency == "EUR"
    delisted = replace(AAPL, listed=False)
    with pytest.raises(StockDelisted):
        make(trade(), stock=delisted)
    assert make(trade("SELL"), stock=delisted).type is TransactionType.SELL
    assert make(cash("DIVIDEND", stock_id=AAPL.stock_id), stock=delisted).amount == 5
    # an imported row is history: the stock may have been delisted since
    assert make(trade(), stock=delisted, imported=True).type is TransactionType.BUY


def test_the_transaction_data_carries_every_field() -> None:
    made = make(trade(fee=Decimal(1), tax=Decimal(2), external_id="e"))
    data = made.data()
    assert data.transaction_id == made.id
    assert (data.type, data.quantity, data.price, data.amount) == (
        "BUY",
        Decimal(10),
        Decimal("1.5"),
        Decimal(15),
    )
    assert (data.fee, data.tax, data.currency, data.external_id) == (
        Decimal(1),
        Decimal(2),
        "USD",
        "e",
    )
    voided = made.voided(NOW)
    assert voided.data().voided_at == NOW
    assert made.voided_at is None


def test_the_same_movement_however_written_and_whatever_its_notes() -> None:
    bought = make(trade(quantity=Decimal(10), price=Decimal("1.5"), notes="first"))
    again = make(
        trade(
            quantity=Decimal("10.0"),
            price=Decimal("1.50"),
            executed_at=AT.astimezone(timezone(timedelta(hours=2))),
            notes="again",
            external_id="x",
        )
    )
    assert bought.moves_as(again)
    for changed in (
        trade(quantity=Decimal(11)),
        trade(price=Decimal("1.6")),
        trade(fee=Decimal("0.01")),
        trade(executed_at=AT + timedelta(microseconds=1)),
        trade("SELL"),
    ):
        assert not bought.moves_as(make(changed)), changed
    assert bought.summary == f"BUY 10 AAPL at 1.5 on {AT.isoformat().replace('+00:00', 'Z')}"
    deposit = make(cash("DEPOSIT", amount=Decimal("100.50")))
    assert deposit.summary.startswith("DEPOSIT 100.50 on ")
    dividend = make(cash("DIVIDEND", stock_id=AAPL.stock_id))
    assert dividend.summary.startswith("DIVIDEND 5 AAPL on ")
