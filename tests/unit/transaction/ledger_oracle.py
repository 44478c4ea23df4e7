"""An independent oracle of the share ledger, for tests: no running sum, no shared code."""

from __future__ import annotations

from fractions import Fraction
from uuid import UUID

from contexts.transaction.domain.ledger import LedgerEntry, LedgerSplit


def holding_after(
    target: LedgerEntry, entries: list[LedgerEntry], splits: list[LedgerSplit]
) -> Fraction:
    """Shares held right after ``target``: each earlier-or-same entry's delta, scaled by
    every split that starts after that entry and no later than ``target`` (no running sum)."""
    total = Fraction(0)
    for other in entries:
        if other.order > target.order:
            continue
        scale = Fraction(1)
        for s in splits:
            if other.executed_at < s.starts_at <= target.executed_at:
                scale *= Fraction(s.numerator, s.denominator)
        total += Fraction(other.delta) * scale
    return total


def oracle_balances(entries: list[LedgerEntry], splits: list[LedgerSplit]) -> dict[UUID, Fraction]:
    return {e.transaction_id: holding_after(e, entries, splits) for e in entries}
