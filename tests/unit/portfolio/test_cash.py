"""The cash balance of a portfolio."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.portfolio.domain.cash import CashEntry, CashKind, cash_balance

D = Decimal


def entry(kind: CashKind, amount: str, fee: str = "0", tax: str = "0") -> CashEntry:
    return CashEntry(kind, D(amount), D(fee), D(tax))


def test_cash_balance_of_a_hand_written_history() -> None:
    entries = [
        entry(CashKind.DEPOSIT, "10000"),
        entry(CashKind.BUY, "4200.00", fee="4.95", tax="1.05"),  # −4,206.00
        entry(CashKind.BUY, "1999.99", fee="4.95"),  # −2,004.94
        entry(CashKind.SELL, "2500.50", fee="4.95", tax="12.30"),  # +2,483.25
        entry(CashKind.DIVIDEND, "45.60", tax="6.84"),  # +38.76
        entry(CashKind.INTEREST, "3.21", tax="0.80"),  # +2.41
        entry(CashKind.WITHDRAWAL, "1500"),  # −1,500
        entry(CashKind.FEE, "12.50"),  # −12.50
    ]
    # 10,000 − 4,206 − 2,004.94 + 2,483.25 + 38.76 + 2.41 − 1,500 − 12.50 = 4,800.98
    assert cash_balance(entries) == D("4800.98")
    assert cash_balance(reversed(entries)) == D("4800.98")


def test_empty_history_has_no_cash() -> None:
    assert cash_balance([]) == 0


@pytest.mark.parametrize(
    ("kind", "effect"),
    [
        # money paid is money paid: every fee and tax leaves the account
        (CashKind.BUY, "-106"),  # −(100 + 4 + 2)
        (CashKind.SELL, "94"),  # 100 − 4 − 2
        (CashKind.DIVIDEND, "94"),  # 100 − 2 per API.md, and its (unusual) fee too
        (CashKind.INTEREST, "94"),
        (CashKind.DEPOSIT, "94"),  # a deposit's fee and tax are paid from it
        (CashKind.WITHDRAWAL, "-106"),  # withdrawing costs its fee and tax on top
        (CashKind.FEE, "-106"),  # a FEE's own fee and tax are paid too
    ],
)
def test_every_fee_and_tax_is_paid_out_of_the_account(kind: CashKind, effect: str) -> None:
    one = entry(kind, "100", fee="4", tax="2")

    assert one.cash_effect == D(effect)
    assert cash_balance([one]) == D(effect)


def test_sums_are_exact_beyond_the_default_decimal_precision() -> None:
    # 30 significant digits each: the default 28-digit context would round these sums
    big = "123456789012345678.123456789012"
    entries = [entry(CashKind.DEPOSIT, big), entry(CashKind.DEPOSIT, "0.000000000001")]

    assert cash_balance(entries) == D("123456789012345678.123456789013")
