"""A reference model of ``replay_position``: the rules applied one entry at a time,
every quantity and cost a ``Fraction``, each sale's removed cost computed as the
rules state it. Slow and plain, so that the domain's faster replay can be checked
against it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from contexts.portfolio.domain.position import (
    EntryKind,
    Lot,
    PositionEntry,
    PositionState,
    SplitEntry,
    fraction_to_decimal,
    replay_order,
)


@dataclass
class _Lot:
    acquired_at: datetime
    quantity: Fraction
    cost: Fraction


def oracle_replay(entries: Iterable[PositionEntry], splits: Iterable[SplitEntry]) -> PositionState:
    ordered = sorted(entries, key=replay_order)
    pending = sorted(splits, key=lambda split: split.effective_date)
    quantity = fifo_realized = average_basis = average_realized = Fraction(0)
    dividends = fees = taxes = Fraction(0)
    lots: list[_Lot] = []

    def split(ratio: Fraction) -> None:
        nonlocal quantity
        quantity *= ratio
        for lot in lots:
            lot.quantity *= ratio

    for entry in ordered:
        while pending and pending[0].effective_date <= entry.executed_on:
            split(pending.pop(0).ratio)
        fee, tax, amount = Fraction(entry.fee), Fraction(entry.tax), Fraction(entry.amount)
        fees += fee
        taxes += tax
        if entry.kind is EntryKind.BUY:
            assert entry.quantity is not None
            bought, cost = Fraction(entry.quantity), amount + fee + tax
            if quantity < 0:  # covering a short position: the covered shares' cost is a loss
                covered = min(bought, -quantity)
                covered_cost = cost * covered / bought
                fifo_realized -= covered_cost
                average_realized -= covered_cost
                bought, cost = bought - covered, cost - covered_cost
                quantity += covered
            if bought:
                lots.append(_Lot(entry.executed_at, bought, cost))
                average_basis += cost
                quantity += bought
        elif entry.kind is EntryKind.SELL:
            assert entry.quantity is not None
            sold, proceeds = Fraction(entry.quantity), amount - fee - tax
            held = max(quantity, Fraction(0))
            from_held = min(sold, held)
            fifo_removed, remaining = Fraction(0), from_held
            while remaining:
                lot = lots[0]
                taken = min(lot.quantity, remaining)
                part = lot.cost * taken / lot.quantity
                fifo_removed += part
                lot.cost -= part
                lot.quantity -= taken
                remaining -= taken
                if not lot.quantity:
                    lots.pop(0)
            average_removed = average_basis * from_held / held if held else Fraction(0)
            average_basis -= average_removed
            fifo_realized += proceeds - fifo_removed
            average_realized += proceeds - average_removed
            quantity -= sold
        elif entry.kind is EntryKind.DIVIDEND:
            dividends += amount
        else:
            fees += amount
    for remaining_split in pending:
        split(remaining_split.ratio)
    return PositionState(
        quantity=fraction_to_decimal(quantity),
        fifo_cost_basis=fraction_to_decimal(sum((lot.cost for lot in lots), Fraction(0))),
        fifo_lots=tuple(
            Lot(lot.acquired_at, fraction_to_decimal(lot.quantity), fraction_to_decimal(lot.cost))
            for lot in lots
        ),
        fifo_realized_gain=fraction_to_decimal(fifo_realized),
        average_cost_basis=fraction_to_decimal(average_basis),
        average_realized_gain=fraction_to_decimal(average_realized),
        dividends=fraction_to_decimal(dividends),
        fees=fraction_to_decimal(fees),
        taxes=fraction_to_decimal(taxes),
        first_transaction_at=ordered[0].executed_at if ordered else None,
        last_transaction_at=ordered[-1].executed_at if ordered else None,
    )
