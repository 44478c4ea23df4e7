"""One (portfolio, stock) position replayed from its full history.

The holdings projection is rebuilt from scratch whenever an event touches a
position, so this module is a pure function of the position's entries and the
stock's splits: the same history in any input order gives bit-identical state.

Arithmetic is exact. While replaying, quantities are whole numbers of a unit
small enough that every entry's quantity, and every quantity a split makes, is
one (a 1-for-3 split has no finite decimal expansion, but a third of a whole
number of thirds is a whole number); money is a whole number of 10⁻²⁴. The only
divisions, a partly sold lot's cost and the moving average's basis after a sale,
are kept as fractions of integers. The resulting :class:`PositionState` is made
of decimals, by :func:`fraction_to_decimal`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, Rounded
from enum import StrEnum
from fractions import Fraction
from math import gcd, prod
from uuid import UUID

from shared_kernel.domain.money import EXACT, MAX_DECIMAL_PLACES

QUANTITY_PLACES = MAX_DECIMAL_PLACES
"""Places of the quantities the replay counts in whole units first (an input's most)."""
MONEY_PLACES = 2 * MAX_DECIMAL_PLACES
"""Places of the money it counts in whole units first: a trade's amount is quantity ×
price, each with up to ``MAX_DECIMAL_PLACES``. An entry with more places (made in
code, not from an input) is replayed again in units as small as it needs."""

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


_IN_UNITS = Context(prec=1_000, traps=[Inexact, Rounded])
"""Scales a decimal to a whole number of units, and signals when it is not one."""


def _units(value: Decimal, places: int) -> int:
    """``value`` × 10^places, which must be a whole number (else ``Inexact`` or ``Rounded``)."""
    if not value:  # most fees and taxes
        return 0
    return int(_IN_UNITS.to_integral_exact(_IN_UNITS.scaleb(value, places)))


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number, as entries are
    return max(-exponent, 0)


class _OpenLot:
    __slots__ = ("acquired_at", "bought", "cost", "quantity")

    def __init__(self, acquired_at: datetime, quantity: int, cost: int | Fraction) -> None:
        self.acquired_at = acquired_at
        self.quantity = quantity
        """What is left of the lot."""
        self.bought = quantity
        """What the lot was, in the same units (a split changes both)."""
        self.cost = cost
        """What the lot cost when it was bought."""

    def remaining_cost(self) -> int | Fraction:
        """The cost of what is left: a sale takes the proportional part of the cost."""
        if self.quantity == self.bought:
            return self.cost
        return Fraction(self.cost * self.quantity, self.bought)


class _Replay:
    """Mutable, exact state of one replay; see :func:`replay_position` for the rules.

    A quantity q is counted as the whole number q × ``share_scale``, an amount
    of money m as m × ``money_scale``. What a sale removes from the cost basis
    is not summed sale by sale: under either method, what a buy cost is either
    still in the basis, or was removed by a sale, or (covering a short
    position) was realized as a loss, so the realized gain is Σ proceeds −
    Σ what the buys cost + the basis left. A sale only takes quantities from
    the lots, and scales the moving average's basis by what stays held (a
    fraction of integers, reduced each time).
    """

    def __init__(
        self, quantity_places: int, money_places: int, splits: Sequence[SplitEntry]
    ) -> None:
        self.quantity_places = quantity_places
        self.split_denominators = prod(split.denominator for split in splits)
        """Every entry's quantity is a whole multiple of it in share units: so is what
        each split makes of a quantity held before it."""
        self.share_scale = 10**quantity_places * self.split_denominators
        self.money_places = money_places
        self.money_scale = 10**money_places
        self.quantity = 0
        self.lots: deque[_OpenLot] = deque()
        self.buy_costs = 0
        """Σ what the buys cost (amount + fee + tax)."""
        self.sale_proceeds = 0
        """Σ what the sales brought (amount − fee − tax)."""
        self.basis_numerator, self.basis_denominator = 0, 1
        """The moving average's cost basis, a reduced fraction."""
        self.dividends = self.fees = self.taxes = 0

    def split(self, split: SplitEntry) -> None:
        numerator, denominator = split.numerator, split.denominator
        self.quantity = _scaled(self.quantity, numerator, denominator)
        for lot in self.lots:
            lot.quantity = _scaled(lot.quantity, numerator, denominator)
            lot.bought = _scaled(lot.bought, numerator, denominator)

    def apply(self, entry: PositionEntry) -> None:
        fee = _units(entry.fee, self.money_places)
        tax = _units(entry.tax, self.money_places)
        amount = _units(entry.amount, self.money_places)
        self.fees += fee
        self.taxes += tax
        if entry.kind is EntryKind.BUY:
            assert entry.quantity is not None
            quantity = _units(entry.quantity, self.quantity_places) * self.split_denominators
            self.buy(entry.executed_at, quantity, amount + fee + tax)
        elif entry.kind is EntryKind.SELL:
            assert entry.quantity is not None
            quantity = _units(entry.quantity, self.quantity_places) * self.split_denominators
            self.sell(quantity, amount - fee - tax)
        elif entry.kind is EntryKind.DIVIDEND:
            self.dividends += amount
        else:
            self.fees += amount

    def buy(self, acquired_at: datetime, quantity: int, cost: int) -> None:
        self.buy_costs += cost
        if self.quantity >= 0:
            self.lots.append(_OpenLot(acquired_at, quantity, cost))
            # a reduced fraction plus a whole number is still reduced
            self.basis_numerator += cost * self.basis_denominator
            self.quantity += quantity
            return
        # Closing an oversold (not yet consistent) position: the covered shares
        # were sold at zero cost, so their purchase cost is realized now.
        covered = min(quantity, -self.quantity)
        self.quantity += covered
        if covered < quantity:
            rest = Fraction(cost * (quantity - covered), quantity)
            self.lots.append(_OpenLot(acquired_at, quantity - covered, rest))
            self._set_average_basis(
                self.basis_numerator * rest.denominator + rest.numerator * self.basis_denominator,
                self.basis_denominator * rest.denominator,
            )
            self.quantity += quantity - covered

    def sell(self, quantity: int, proceeds: int) -> None:
        self.sale_proceeds += proceeds
        held = self.quantity
        if held > 0:
            from_held = min(quantity, held)
            remaining, lots = from_held, self.lots
            while remaining:  # the lots hold exactly what is held
                lot = lots[0]
                if lot.quantity <= remaining:
                    remaining -= lot.quantity
                    lots.popleft()
                else:
                    lot.quantity -= remaining
                    remaining = 0
            # the shares still held keep their average cost
            self._set_average_basis(
                self.basis_numerator * (held - from_held), self.basis_denominator * held
            )
        self.quantity -= quantity

    def _set_average_basis(self, numerator: int, denominator: int) -> None:
        common = gcd(numerator, denominator)
        self.basis_numerator, self.basis_denominator = numerator // common, denominator // common

    def state(self, first: datetime | None, last: datetime | None) -> PositionState:
        def money(value: int | Fraction) -> Decimal:
            return fraction_to_decimal(Fraction(value, self.money_scale))

        lot_costs = [lot.remaining_cost() for lot in self.lots]
        fifo_cost_basis = sum(lot_costs, Fraction(0))
        average_cost_basis = Fraction(self.basis_numerator, self.basis_denominator)
        proceeds_less_costs = self.sale_proceeds - self.buy_costs
        return PositionState(
            quantity=fraction_to_decimal(Fraction(self.quantity, self.share_scale)),
            fifo_cost_basis=money(fifo_cost_basis),
            fifo_lots=tuple(
                Lot(
                    lot.acquired_at,
                    fraction_to_decimal(Fraction(lot.quantity, self.share_scale)),
                    money(cost),
                )
                for lot, cost in zip(self.lots, lot_costs, strict=True)
            ),
            fifo_realized_gain=money(proceeds_less_costs + fifo_cost_basis),
            average_cost_basis=money(average_cost_basis),
            average_realized_gain=money(proceeds_less_costs + average_cost_basis),
            dividends=money(self.dividends),
            fees=money(self.fees),
            taxes=money(self.taxes),
            first_transaction_at=first,
            last_transaction_at=last,
        )


def _scaled(quantity: int, numerator: int, denominator: int) -> int:
    """``quantity`` × numerator / denominator: whole, as the share unit is chosen to make it."""
    scaled, rest = divmod(quantity * numerator, denominator)
    assert rest == 0, "the share unit covers every split's denominator"
    return scaled


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
    try:
        return _replayed(ordered, pending, QUANTITY_PLACES, MONEY_PLACES)
    except (Inexact, Rounded):  # an entry with more places than an input may have
        quantity_places = max(
            (_places(entry.quantity) for entry in ordered if entry.quantity is not None),
            default=0,
        )
        money_places = max(
            (_places(value) for entry in ordered for value in (entry.amount, entry.fee, entry.tax)),
            default=0,
        )
        return _replayed(ordered, pending, quantity_places, money_places)


def _replayed(
    ordered: Sequence[PositionEntry],
    splits: Sequence[SplitEntry],
    quantity_places: int,
    money_places: int,
) -> PositionState:
    replay = _Replay(quantity_places, money_places, splits)
    next_split = 0
    for entry in ordered:
        if next_split < len(splits):
            executed_on = entry.executed_on
            while next_split < len(splits) and splits[next_split].effective_date <= executed_on:
                replay.split(splits[next_split])
                next_split += 1
        replay.apply(entry)
    for split in splits[next_split:]:
        replay.split(split)
    first = ordered[0].executed_at if ordered else None
    last = ordered[-1].executed_at if ordered else None
    return replay.state(first, last)
