"""The share ledger and its invariant.

For every (portfolio, stock) the running quantity, in ``executed_at`` order
with splits applied at the start of their effective dates, never drops below
zero — at no moment of history. Quantities are exact: a 1-for-3 split of 100
shares holds the fraction 100/3, not a rounded decimal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from shared_kernel.domain.money import EXACT

Balance = Decimal | Fraction
"""A running quantity: a decimal until a split makes it a fraction (a decimal's sum
costs a tenth of a fraction's, and a split is the only step that may not be decimal)."""


def _plus(balance: Balance, delta: Decimal) -> Balance:
    if isinstance(balance, Decimal):
        return EXACT.add(balance, delta)
    return balance + Fraction(delta)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One BUY (positive delta) or SELL (negative delta) of a position."""

    transaction_id: UUID
    executed_at: datetime
    recorded_at: datetime
    delta: Decimal

    @property
    def order(self) -> tuple[datetime, datetime, UUID]:
        return (self.executed_at, self.recorded_at, self.transaction_id)


@dataclass(frozen=True)
class LedgerSplit:
    effective_date: date
    numerator: int
    denominator: int

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.effective_date, time.min, tzinfo=UTC)


@dataclass(frozen=True)
class Shortfall:
    """Where the running quantity first goes below zero."""

    entry: LedgerEntry
    """The sale at which it happens."""
    balance: Fraction
    """The (negative) quantity right after that sale, in that date's units."""


def running_balances(
    entries: Iterable[LedgerEntry], splits: Iterable[LedgerSplit]
) -> list[tuple[LedgerEntry, Fraction]]:
    """Each entry in ledger order with the quantity held right after it."""
    ordered = sorted(entries, key=lambda entry: entry.order)
    pending = sorted(splits, key=lambda split: split.effective_date)
    balance = Fraction(0)
    result: list[tuple[LedgerEntry, Fraction]] = []
    for entry in ordered:
        while pending and pending[0].starts_at <= entry.executed_at:
            split = pending.pop(0)
            balance *= Fraction(split.numerator, split.denominator)
        balance += Fraction(entry.delta)
        result.append((entry, balance))
    return result


def first_shortfall(
    entries: Iterable[LedgerEntry], splits: Iterable[LedgerSplit]
) -> Shortfall | None:
    """The first moment the position would hold fewer than zero shares, if any."""
    for entry, balance in running_balances(entries, splits):
        if balance < 0:
            return Shortfall(entry=entry, balance=balance)
    return None


def first_new_shortfall(
    before: Iterable[LedgerEntry], after: Iterable[LedgerEntry], splits: Iterable[LedgerSplit]
) -> Shortfall | None:
    """The first moment a change from ``before`` to ``after`` leaves short, if any.

    That is a moment when ``after`` holds fewer than zero shares *and* fewer
    than ``before`` held then. A shortfall the change did not cause is not
    held against it: a split recorded after the sales it makes short (a
    reverse split shrinks earlier holdings, and the catalog, not the book,
    decides splits) must not stop every later write of the position. From a
    history without any shortfall this is exactly ``first_shortfall(after)``.
    """
    old = {entry.transaction_id: entry.delta for entry in before}
    new = {entry.transaction_id: entry for entry in after}
    moments = sorted(
        {**{entry.transaction_id: entry for entry in before}, **new}.values(),
        key=lambda entry: entry.order,
    )
    # (start, ratio) of each split, latest first: the next one is popped off the end.
    pending = [
        (split.starts_at, Fraction(split.numerator, split.denominator))
        for split in sorted(splits, key=lambda split: split.effective_date, reverse=True)
    ]
    old_balance: Balance = Decimal(0)
    new_balance: Balance = Decimal(0)
    for entry in moments:
        while pending and pending[-1][0] <= entry.executed_at:
            ratio = pending.pop()[1]
            old_balance, new_balance = Fraction(old_balance) * ratio, Fraction(new_balance) * ratio
        old_delta = old.get(entry.transaction_id)
        if old_delta:  # an entry added by the change was not there before: nothing to add
            old_balance = _plus(old_balance, old_delta)
        if entry.transaction_id in new:
            new_balance = _plus(new_balance, entry.delta)
            if new_balance < 0 and new_balance < old_balance:
                return Shortfall(entry=entry, balance=Fraction(new_balance))
    return None


def first_shortfall_of_split(
    entries: Iterable[LedgerEntry], splits: Iterable[LedgerSplit], split: LedgerSplit
) -> Shortfall | None:
    """The first moment that ``split``, added to ``splits``, leaves short, if any: the
    position holds fewer than zero shares there, and held none fewer without it (a
    shortfall already there is not the split's)."""
    splits = list(splits)
    without = running_balances(entries, splits)
    with_split = running_balances(entries, [*splits, split])
    for (_, before), (entry, after) in zip(without, with_split, strict=True):
        if after < 0 <= before:
            return Shortfall(entry=entry, balance=after)
    return None


def as_decimal(quantity: Fraction) -> Decimal:
    """A quantity for people to read (exact when it is a terminating decimal)."""
    if quantity.denominator == 1:
        return Decimal(quantity.numerator)
    return (Decimal(quantity.numerator) / Decimal(quantity.denominator)).normalize()
