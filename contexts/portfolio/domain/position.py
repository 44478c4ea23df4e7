"""One (portfolio, stock) position replayed from its full history.

The holdings projection is rebuilt from scratch whenever an event touches a
position, so this module is a pure function of the position's entries and the
stock's splits: the same history in any input order gives bit-identical state.

Arithmetic is exact: quantities and costs are kept as :class:`fractions.Fraction`
while replaying (a 1-for-3 split or selling a third of a position has no finite
decimal expansion) and converted to :class:`~decimal.Decimal` only when the
resulting :class:`PositionState` is built, by :func:`fraction_to_decimal`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import StrEnum
from fractions import Fraction
from uuid import UUID

from shared_kernel.domain.money import EXACT

SIGNIFICANT_DIGITS = 34
"""Significant digits kept when a value has no finite decimal expansion."""

_CONVERSION = Context(prec=SIGNIFICANT_DIGITS, rounding=ROUND_HALF_EVEN)


class EntryKind(StrEnum):
    """The transaction types that touch a stock position."""

    BUY = "BUY"
    SELL = "SELL"
    DIVIDEND = "DIVIDEND"
    FEE = "FEE"


class CostBasisMethod(StrEnum):
    FIFO = "fifo"
    AVERAGE = "average"


@dataclass(frozen=True, slots=True)
class PositionEntry:
    """A transaction of the position, as the replay needs it.

    ``amount`` is what the transaction context recorded: quantity × price for
    BUY and SELL (the replay uses ``amount``, not its own product, so that cost,
    proceeds and the cash balance always agree), the amount for DIVIDEND and FEE.
    """

    transaction_id: UUID
    kind: EntryKind
    executed_at: datetime
    recorded_at: datetime
    quantity: Decimal | None
    price: Decimal | None
    amount: Decimal
    fee: Decimal
    tax: Decimal

    def __post_init__(self) -> None:
        for name in ("executed_at", "recorded_at"):
            moment: datetime = getattr(self, name)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        for name in ("amount", "fee", "tax"):
            if not getattr(self, name).is_finite():
                raise ValueError(f"{name} must be a finite number")
        if self.fee < 0 or self.tax < 0:
            raise ValueError("fee and tax must be greater than or equal to 0")
        if self.kind in (EntryKind.BUY, EntryKind.SELL):
            if self.quantity is None or self.price is None:
                raise ValueError(f"a {self.kind} needs a quantity and a price")
            if not self.quantity.is_finite() or self.quantity <= 0:
                raise ValueError("quantity must be greater than 0")
            if not self.price.is_finite() or self.price < 0:
                raise ValueError("price must be greater than or equal to 0")

    @property
    def executed_on(self) -> date:
        """The UTC calendar day the entry was executed on."""
        return self.executed_at.astimezone(UTC).date()


def replay_order(entry: PositionEntry) -> tuple[datetime, datetime, UUID]:
    """The order entries are applied in: executed_at, then recorded_at, then id."""
    return (entry.executed_at, entry.recorded_at, entry.transaction_id)


@dataclass(frozen=True)
class SplitEntry:
    """A split effective at the start of ``effective_date`` (UTC).

    Shares held before it are multiplied by numerator/denominator (4-for-1 is 4/1).
    """

    effective_date: date
    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.numerator <= 0 or self.denominator <= 0:
            raise ValueError(
                f"split terms must be positive, not {self.numerator}/{self.denominator}"
            )

    @property
    def ratio(self) -> Fraction:
        """New shares per old share."""
        return Fraction(self.numerator, self.denominator)


@dataclass(frozen=True)
class Lot:
    """What is left of one BUY: its remaining quantity and remaining total cost.

    The cost includes the buy's fee and tax; a split changes the quantity, not the cost.
    """

    acquired_at: datetime
    quantity: Decimal
    cost: Decimal


@dataclass(frozen=True)
class PositionState:
    """The position after its whole history, under both cost-basis methods.

    ``fees`` sums every entry's ``fee`` plus the amount of FEE entries; ``taxes``
    sums every entry's ``tax`` (BUY, SELL, DIVIDEND withholding, FEE). In
    practice only BUY and SELL carry a fee, and BUY, SELL and DIVIDEND a tax.
    """

    quantity: Decimal
    fifo_cost_basis: Decimal
    fifo_lots: tuple[Lot, ...]
    fifo_realized_gain: Decimal
    average_cost_basis: Decimal
    average_realized_gain: Decimal
    dividends: Decimal
    fees: Decimal
    taxes: Decimal
    first_transaction_at: datetime | None
    last_transaction_at: datetime | None

    @property
    def is_closed(self) -> bool:
        """Nothing held (anything traded before has been sold)."""
        return self.quantity == 0

    def cost_basis(self, method: CostBasisMethod) -> Decimal:
        """Remaining cost of the shares held (fees and taxes of their buys included)."""
        if method is CostBasisMethod.FIFO:
            return self.fifo_cost_basis
        return self.average_cost_basis

    def realized_gain(self, method: CostBasisMethod) -> Decimal:
        """Σ over sells of (proceeds − cost removed) under ``method``."""
        if method is CostBasisMethod.FIFO:
            return self.fifo_realized_gain
        return self.average_realized_gain

    def average_cost(self, method: CostBasisMethod) -> Decimal | None:
        """Cost basis per share held (34 significant digits); None when nothing is held."""
        if self.quantity <= 0:
            return None
        return fraction_to_decimal(Fraction(self.cost_basis(method)) / Fraction(self.quantity))

    def market_value(self, price: Decimal) -> Decimal:
        """quantity × price, exact."""
        return EXACT.multiply(self.quantity, price)

    def unrealized_gain(self, method: CostBasisMethod, price: Decimal) -> Decimal:
        """quantity × price − cost basis, exact."""
        return EXACT.subtract(self.market_value(price), self.cost_basis(method))


def fraction_to_decimal(value: Fraction) -> Decimal:
    """``value`` as a Decimal: exact when it has a finite decimal expansion
    (its denominator has no prime factor but 2 and 5), otherwise rounded half-even
    to 34 significant digits. The result depends only on the value, never on how
    it was reached."""
    numerator, denominator = value.numerator, value.denominator
    if denominator == 1:
        return Decimal(numerator)
    twos = (denominator & -denominator).bit_length() - 1
    rest = denominator >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest == 1:
        places = max(twos, fives)
        return Decimal(f"{numerator * 10**places // denominator}E-{places}")
    return _CONVERSION.divide(Decimal(numerator), Decimal(denominator))


class _OpenLot:
    __slots__ = ("acquired_at", "cost", "quantity")

    def __init__(self, acquired_at: datetime, quantity: Fraction, cost: Fraction) -> None:
        self.acquired_at = acquired_at
        self.quantity = quantity
        self.cost = cost


_ZERO_FRACTION = Fraction(0)


class _Replay:
    """Mutable, exact state of one replay; see :func:`replay_position` for the rules.

    Quantities and costs are fractions (a split or a partial sale divides them).
    Dividends, fees and taxes are only ever summed, and a sum of decimals is a
    decimal: those are added as decimals in ``EXACT``, which never rounds them,
    and a buy's cost and a sale's proceeds are summed so before they become
    fractions (a fraction's arithmetic costs about ten times a decimal's).
    """

    def __init__(self) -> None:
        self.quantity = _ZERO_FRACTION
        self.lots: deque[_OpenLot] = deque()
        self.fifo_realized = _ZERO_FRACTION
        self.average_cost_basis = _ZERO_FRACTION
        self.average_realized = _ZERO_FRACTION
        self.dividends = Decimal(0)
        self.fees = Decimal(0)
        self.taxes = Decimal(0)

    def split(self, ratio: Fraction) -> None:
        self.quantity *= ratio
        for lot in self.lots:
            lot.quantity *= ratio

    def apply(self, entry: PositionEntry) -> None:
        fee, tax = entry.fee, entry.tax
        self.fees = EXACT.add(self.fees, fee)
        self.taxes = EXACT.add(self.taxes, tax)
        if entry.kind is EntryKind.BUY:
            assert entry.quantity is not None
            cost = EXACT.add(EXACT.add(entry.amount, fee), tax)
            self.buy(entry.executed_at, Fraction(entry.quantity), Fraction(cost))
        elif entry.kind is EntryKind.SELL:
            assert entry.quantity is not None
            proceeds = EXACT.subtract(EXACT.subtract(entry.amount, fee), tax)
            self.sell(Fraction(entry.quantity), Fraction(proceeds))
        elif entry.kind is EntryKind.DIVIDEND:
            self.dividends = EXACT.add(self.dividends, entry.amount)
        else:
            self.fees = EXACT.add(self.fees, entry.amount)

    def buy(self, acquired_at: datetime, quantity: Fraction, cost: Fraction) -> None:
        if self.quantity < 0:
            # Closing an oversold (not yet consistent) position: the covered shares
            # were sold at zero cost, so their purchase cost is realized now.
            covered = min(quantity, -self.quantity)
            covered_cost = cost * covered / quantity
            self.fifo_realized -= covered_cost
            self.average_realized -= covered_cost
            quantity, cost = quantity - covered, cost - covered_cost
            self.quantity += covered
        if quantity:
            self.lots.append(_OpenLot(acquired_at, quantity, cost))
            self.average_cost_basis += cost
            self.quantity += quantity

    def sell(self, quantity: Fraction, proceeds: Fraction) -> None:
        held = self.quantity if self.quantity > 0 else _ZERO_FRACTION
        from_held = min(quantity, held)
        fifo_removed = _ZERO_FRACTION
        remaining = from_held
        while remaining and self.lots:
            lot = self.lots[0]
            if lot.quantity <= remaining:
                fifo_removed += lot.cost
                remaining -= lot.quantity
                self.lots.popleft()
            else:
                part = lot.cost * remaining / lot.quantity
                fifo_removed += part
                lot.cost -= part
                lot.quantity -= remaining
                remaining = _ZERO_FRACTION
        average_removed = self.average_cost_basis * from_held / held if held else _ZERO_FRACTION
        self.average_cost_basis -= average_removed
        self.fifo_realized += proceeds - fifo_removed
        self.average_realized += proceeds - average_removed
        self.quantity -= quantity

    def state(self, first: datetime | None, last: datetime | None) -> PositionState:
        return PositionState(
            quantity=fraction_to_decimal(self.quantity),
            fifo_cost_basis=fraction_to_decimal(sum((lot.cost for lot in self.lots), Fraction(0))),
            fifo_lots=tuple(
                Lot(
                    lot.acquired_at,
                    fraction_to_decimal(lot.quantity),
                    fraction_to_decimal(lot.cost),
                )
                for lot in self.lots
            ),
            fifo_realized_gain=fraction_to_decimal(self.fifo_realized),
            average_cost_basis=fraction_to_decimal(self.average_cost_basis),
            average_realized_gain=fraction_to_decimal(self.average_realized),
            dividends=fraction_to_decimal(Fraction(self.dividends)),
            fees=fraction_to_decimal(Fraction(self.fees)),
            taxes=fraction_to_decimal(Fraction(self.taxes)),
            first_transaction_at=first,
            last_transaction_at=last,
        )


def replay_position(
    entries: Iterable[PositionEntry], splits: Iterable[SplitEntry]
) -> PositionState:
    """Replay a position's whole history, whatever order ``entries`` come in.

    - Entries are applied in :func:`replay_order` (executed_at, recorded_at,
      transaction_id).
    - A split effective on day D applies at the start of D (UTC): before every
      entry executed on D or later, which are already in post-split units.
      Everything held before is multiplied by numerator/denominator; costs stay,
      so cost per share is divided by it. Every split given is applied, including
      those after the last entry.
    - BUY adds a lot of ``quantity`` costing ``amount + fee + tax``.
    - SELL realizes proceeds ``amount − fee − tax`` (amount = quantity × price)
      minus the cost it removes: FIFO consumes the oldest lots first (a partly
      sold lot keeps the proportional part of its cost); moving average removes
      ``quantity × cost basis / quantity held`` and leaves the average unchanged.
    - DIVIDEND adds its amount to ``dividends``; FEE adds its amount to ``fees``.
      Every entry's fee and tax add to ``fees`` and ``taxes``.
    - An oversell (a SELL before the BUY it depends on has arrived: the
      projection is eventually consistent) never raises: the lots there are
      are consumed, the excess is sold at zero cost and the quantity goes
      negative; a later BUY first covers that shortfall, realizing its cost
      (as a loss) on the covered shares. Once the missing BUY arrives the full
      replay is the correct one again.

    Raises ``ValueError`` only for invalid input (split terms ≤ 0, naive
    datetimes, a BUY/SELL without quantity or price), which the entry and split
    constructors already refuse.
    """
    ordered = sorted(entries, key=replay_order)
    pending = sorted(splits, key=lambda split: split.effective_date)
    replay = _Replay()
    next_split = 0
    for entry in ordered:
        if next_split < len(pending):
            executed_on = entry.executed_on
            while next_split < len(pending) and pending[next_split].effective_date <= executed_on:
                replay.split(pending[next_split].ratio)
                next_split += 1
        replay.apply(entry)
    for split in pending[next_split:]:
        replay.split(split.ratio)
    first = ordered[0].executed_at if ordered else None
    last = ordered[-1].executed_at if ordered else None
    return replay.state(first, last)
