"""The cash balance of a portfolio, from the cash side of its transactions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared_kernel.domain.money import EXACT, exact_sum


class CashKind(StrEnum):
    """Every transaction type; each moves cash."""

    BUY = "BUY"
    SELL = "SELL"
    DIVIDEND = "DIVIDEND"
    INTEREST = "INTEREST"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"
    FEE = "FEE"


@dataclass(frozen=True, slots=True)
class CashEntry:
    """A transaction's cash side: ``amount`` is quantity × price for BUY and SELL."""

    kind: CashKind
    amount: Decimal
    fee: Decimal
    tax: Decimal

    @property
    def cash_effect(self) -> Decimal:
        """What this transaction adds to the cash balance (negative when it takes cash out).

        Exactly API.md's ``cash_balance`` terms, per type:

        ========== ======================
        BUY        −(amount + fee + tax)
        SELL       amount − fee − tax
        DIVIDEND   amount − tax
        INTEREST   amount − tax
        DEPOSIT    amount
        WITHDRAWAL −amount
        FEE        −amount
        ========== ======================

        So a DEPOSIT's, WITHDRAWAL's or FEE's ``fee`` and ``tax``, and a
        DIVIDEND's or INTEREST's ``fee``, do not count: the formula has no term
        for them.
        """
        match self.kind:
            case CashKind.BUY:
                return EXACT.minus(EXACT.add(EXACT.add(self.amount, self.fee), self.tax))
            case CashKind.SELL:
                return EXACT.subtract(EXACT.subtract(self.amount, self.fee), self.tax)
            case CashKind.DIVIDEND | CashKind.INTEREST:
                return EXACT.subtract(self.amount, self.tax)
            case CashKind.DEPOSIT:
                return self.amount
            case CashKind.WITHDRAWAL | CashKind.FEE:
                return EXACT.minus(self.amount)


def cash_balance(entries: Iterable[CashEntry]) -> Decimal:
    """Σ of every entry's :attr:`CashEntry.cash_effect`, exact.

    This is API.md's ``cash_balance`` = Σ DEPOSIT amount − Σ WITHDRAWAL amount
    − Σ BUY (amount + fee + tax) + Σ SELL (amount − fee − tax)
    + Σ DIVIDEND/INTEREST (amount − tax) − Σ FEE amount, exactly.
    """
    return exact_sum(entry.cash_effect for entry in entries)
