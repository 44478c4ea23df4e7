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
        # API.md: cash_balance = Σ DEPOSIT amount − Σ WITHDRAWAL amount
        #   − Σ BUY (amount + fee + tax) + Σ SELL (amount − fee − tax)
        #   + Σ DIVIDEND/INTEREST (amount − tax) − Σ FEE amount
        (CashKind.BUY, "-106"),  # −(100 + 4 + 2)
        (CashKind.SELL, "94"),  # 100 − 4 − 2
        (CashKind.DIVIDEND, "98"),  # 100 − 2: its fee is not in the formula
        (CashKind.INTEREST, "98"),  # 100 − 2: its fee is not in the formula
        (CashKind.DEPOSIT, "100"),  # the amount only: its fee and tax are not in the formula
        (CashKind.WITHDRAWAL, "-100"),  # −amount only
        (CashKind.FEE, "-100"),  # −amount only: a FEE's own fee and tax do not count
    ],
)
def test_each_type_counts_exactly_the_terms_of_the_api_formula(kind: CashKind, effect: str) -> None:
    one = entry(kind, "100", fee="4", tax="2")

    assert one.cash_effect == D(effect)
    assert cash_balance([one]) == D(effect)


def test_fees_and_taxes_outside_the_formula_leave_the_balance_unchanged() -> None:
    plain = [
        entry(CashKind.DEPOSIT, "5000"),
        entry(CashKind.DIVIDEND, "80", tax="12"),
        entry(CashKind.INTEREST, "7.50", tax="1.10"),
        entry(CashKind.WITHDRAWAL, "300"),
        entry(CashKind.FEE, "25"),
    ]
    # the same transactions carrying a fee (and, where the formula has no tax term, a tax)
    loaded = [
        entry(CashKind.DEPOSIT, "5000", fee="10", tax="3"),
        entry(CashKind.DIVIDEND, "80", fee="1.50", tax="12"),
        entry(CashKind.INTEREST, "7.50", fee="0.25", tax="1.10"),
        entry(CashKind.WITHDRAWAL, "300", fee="2", tax="0.60"),
        entry(CashKind.FEE, "25", fee="5", tax="4.75"),
    ]
    # 5,000 + (80 − 12) + (7.50 − 1.10) − 300 − 25 = 4,749.40
    assert cash_balance(plain) == D("4749.40")
    assert cash_balance(loaded) == D("4749.40")


def test_sums_are_exact_beyond_the_default_decimal_precision() -> None:
    # 30 significant digits each: the default 28-digit context would round these sums
    big = "123456789012345678.123456789012"
    entries = [entry(CashKind.DEPOSIT, big), entry(CashKind.DEPOSIT, "0.000000000001")]

    assert cash_balance(entries) == D("123456789012345678.123456789013")
