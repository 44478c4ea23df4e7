"""The cash balance of a portfolio, from the cash side of its transactions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from enum import StrEnum

_EXACT = Context(prec=1_000, rounding=ROUND_HALF_EVEN)
"""Sums of input decimals (at most 30 digits each) never round in this context."""


class CashKind(StrEnum):
    """Every transaction type; each moves cash."""

    BUY = "BUY"
    SELL = "SELL"
    DIVIDEND = "DIVIDEND"
    INTEREST = "INTEREST"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    FEE = "FEE"


@dataclass(frozen=True)
class CashEntry:
    """A transaction's cash side: ``amount`` is quantity × price for BUY and SELL."""

    kind: CashKind
    amount: Decimal
    fee: Decimal
    tax: Decimal

    @property
    def cash_effect(self) -> Decimal:
        """What this transaction adds to the cash balance (negative when it takes cash out).

        Money paid is money paid: every transaction's fee and tax leave the
        account, whatever its type.

        ========== ==========================
        BUY        −(amount + fee + tax)
        SELL       amount − fee − tax
        DIVIDEND   amount − fee − tax
        INTEREST   amount − fee − tax
        DEPOSIT    amount − fee − tax
        WITHDRAWAL −(amount + fee + tax)
        FEE        −(amount + fee + tax)
        ========== ==========================
        """
        with localcontext(_EXACT):
            if self.kind in _CASH_OUT:
                return -(self.amount + self.fee + self.tax)
            return self.amount - self.fee - self.tax


_CASH_OUT = frozenset({CashKind.BUY, CashKind.WITHDRAWAL, CashKind.FEE})


def cash_balance(entries: Iterable[CashEntry]) -> Decimal:
    """Σ of every entry's :attr:`CashEntry.cash_effect`, exact.

    This is API.md's ``cash_balance`` = Σ DEPOSIT − Σ WITHDRAWAL − Σ BUY (amount
    + fee + tax) + Σ SELL (amount − fee − tax) + Σ DIVIDEND/INTEREST (amount −
    tax) − Σ FEE amount, with one deliberate addition: the fee and tax of a
    DEPOSIT, WITHDRAWAL, FEE, DIVIDEND or INTEREST (zero in practice) are
    subtracted too, because they were paid out of the account. With those zero,
    it is API.md's formula exactly.
    """
    with localcontext(_EXACT):
        return sum((entry.cash_effect for entry in entries), Decimal(0))
