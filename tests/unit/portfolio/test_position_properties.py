"""Properties of position replay over random, valid histories (hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.portfolio.domain.position import (
    CostBasisMethod,
    PositionEntry,
    PositionState,
    SplitEntry,
    fraction_to_decimal,
    replay_position,
)
from tests.unit.portfolio.position_entries import at, buy, dividend, sell, stock_fee
from tests.unit.portfolio.position_oracle import oracle_replay

FIFO, AVERAGE = CostBasisMethod.FIFO, CostBasisMethod.AVERAGE
TOLERANCE = Decimal("1e-9")
# splits whose ratio keeps any decimal quantity a finite decimal, and those that do not
DECIMAL_RATIOS = [(2, 1), (3, 1), (4, 1), (1, 2), (3, 2), (1, 4), (5, 4), (2, 5), (1, 10)]
THIRDS = [(1, 3), (2, 3), (3, 7)]

quantities = st.decimals(min_value="0.0001", max_value="5000", places=4)
prices = st.decimals(min_value="0", max_value="1000", places=2)
costs = st.decimals(min_value="0", max_value="25", places=2)
amounts = st.decimals(min_value="0.01", max_value="500", places=2)


@dataclass
class History:
    entries: list[PositionEntry] = field(default_factory=list)
    splits: list[SplitEntry] = field(default_factory=list)
    held: Fraction = Fraction(0)  # running quantity, simulated in replay order

    def expected_quantity(self) -> Fraction:
        """Σ buys − Σ sells, each scaled by the splits effective after its day."""
        total = Fraction(0)
        for entry in self.entries:
            if entry.quantity is None:
                continue
            scale = Fraction(1)
            for split in self.splits:
                if split.effective_date > entry.executed_at.date():
                    scale *= split.ratio
            sign = 1 if entry.kind == "BUY" else -1
            total += sign * Fraction(entry.quantity) * scale
        return total


def has_finite_decimal_expansion(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


@st.composite
def histories(draw: st.DrawFn, ratios: list[tuple[int, int]], sell_everything: bool) -> History:
    """Chronological buys, sells that never exceed the holdings, dividends and splits."""
    history = History()
    moment = datetime(2020, 1, 1, 9, 0, tzinfo=UTC)
    for _ in range(draw(st.integers(min_value=1, max_value=18))):
        action = draw(st.sampled_from(["buy", "buy", "sell", "sell", "dividend", "split"]))
        if action == "split":
            effective = moment.date() + timedelta(days=draw(st.integers(1, 90)))
            numerator, denominator = draw(st.sampled_from(ratios))
            history.splits.append(SplitEntry(effective, numerator, denominator))
            history.held *= Fraction(numerator, denominator)
            moment = at(effective, 0, 0)  # what follows is on or after the split day
            continue
        moment += timedelta(minutes=draw(st.integers(1, 60 * 24 * 45)))
        if action == "dividend":
            history.entries.append(dividend(moment, draw(amounts), tax=draw(costs)))
        elif action == "sell" and history.held > 0:
            share = draw(st.sampled_from([Fraction(1), Fraction(1, 3), Fraction(1, 2), None]))
            if share is None:
                share = Fraction(draw(st.integers(1, 99)), 100)
            wanted = history.held * share
            if share == 1 and has_finite_decimal_expansion(wanted):
                quantity = fraction_to_decimal(wanted)
            else:
                quantity = Decimal(int(wanted * 10_000)).scaleb(-4)  # rounded down
            if quantity <= 0:
                continue
            history.entries.append(
                sell(moment, quantity, draw(prices), fee=draw(costs), tax=draw(costs))
            )
            history.held -= Fraction(quantity)
        else:
            quantity = draw(quantities)
            history.entries.append(
                buy(moment, quantity, draw(prices), fee=draw(costs), tax=draw(costs))
            )
            history.held += Fraction(quantity)
    if sell_everything and history.held > 0:
        moment += timedelta(days=1)
        history.entries.append(sell(moment, fraction_to_decimal(history.held), draw(prices)))
        history.held = Fraction(0)
    return history


any_history = histories(DECIMAL_RATIOS + THIRDS, sell_everything=False)
closed_history = histories(DECIMAL_RATIOS, sell_everything=True)


def replay(history: History) -> PositionState:
    return replay_position(history.entries, history.splits)


@settings(max_examples=150, deadline=None)
@given(history=any_history, data=st.data())
def test_replay_does_not_depend_on_input_order(history: History, data: st.DataObject) -> None:
    shuffled_entries = data.draw(st.permutations(history.entries))
    shuffled_splits = data.draw(st.permutations(history.splits))

    assert repr(replay_position(shuffled_entries, shuffled_splits)) == repr(replay(history))


@settings(max_examples=150, deadline=None)
@given(history=any_history, price=prices)
def test_fifo_and_average_give_the_same_total_gain_at_any_price(
    history: History, price: Decimal
) -> None:
    state = replay(history)

    totals = [
        state.realized_gain(method) + state.quantity * price - state.cost_basis(method)
        for method in (FIFO, AVERAGE)
    ]
    assert abs(totals[0] - totals[1]) <= TOLERANCE


@settings(max_examples=150, deadline=None)
@given(history=any_history)
def test_quantity_is_buys_minus_sells_with_splits_applied(history: History) -> None:
    state = replay(history)

    assert state.quantity == fraction_to_decimal(history.expected_quantity())
    assert state.quantity == fraction_to_decimal(history.held)


@settings(max_examples=150, deadline=None)
@given(history=any_history)
def test_cost_basis_is_never_negative_and_fifo_lots_add_up(history: History) -> None:
    state = replay(history)

    assert state.fifo_cost_basis >= 0
    assert state.average_cost_basis >= 0
    assert all(lot.quantity > 0 and lot.cost >= 0 for lot in state.fifo_lots)
    assert abs(sum(lot.cost for lot in state.fifo_lots) - state.fifo_cost_basis) <= TOLERANCE
    assert abs(sum(lot.quantity for lot in state.fifo_lots) - state.quantity) <= TOLERANCE
    acquired = [lot.acquired_at for lot in state.fifo_lots]
    assert acquired == sorted(acquired)


@settings(max_examples=150, deadline=None)
@given(history=any_history)
def test_income_and_costs_are_plain_sums(history: History) -> None:
    state = replay(history)

    assert state.dividends == sum(
        (entry.amount for entry in history.entries if entry.kind == "DIVIDEND"), Decimal(0)
    )
    assert state.fees == sum((entry.fee for entry in history.entries), Decimal(0))
    assert state.taxes == sum((entry.tax for entry in history.entries), Decimal(0))


@settings(max_examples=150, deadline=None)
@given(history=closed_history)
def test_after_selling_everything_both_cost_bases_are_zero(history: History) -> None:
    state = replay(history)

    assert state.quantity == 0
    assert state.fifo_cost_basis == 0
    assert state.average_cost_basis == 0
    assert state.fifo_lots == ()
    # with nothing left, both methods have realized the same: Σ proceeds − Σ costs
    assert abs(state.fifo_realized_gain - state.average_realized_gain) <= TOLERANCE


# --- against the reference model ---------------------------------------------------------


def decimals_with_places(most: int, *, positive: bool) -> st.SearchStrategy[Decimal]:
    """Up to ``most`` places: beyond the 12 an input may have, too (entries made in code)."""
    low = 1 if positive else 0
    return st.builds(
        lambda units, places: Decimal(units).scaleb(-places),
        st.integers(low, 10**9),
        st.integers(0, most),
    )


@st.composite
def unruly_histories(draw: st.DrawFn) -> tuple[list[PositionEntry], list[SplitEntry]]:
    """Any entries in any order: sales beyond what is held, buys covering a short position,
    several entries at one moment, splits on their days, with ratios of any terms."""
    start = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    entries: list[PositionEntry] = []
    for _ in range(draw(st.integers(0, 25))):
        moment = start + timedelta(hours=draw(st.integers(0, 24 * 20)))
        kind = draw(st.sampled_from(["BUY", "BUY", "SELL", "SELL", "DIVIDEND", "FEE"]))
        fee, tax = draw(decimals_with_places(14, positive=False)), draw(costs)
        if kind in ("BUY", "SELL"):
            build = buy if kind == "BUY" else sell
            quantity = draw(decimals_with_places(14, positive=True))
            price = draw(decimals_with_places(13, positive=False))
            entries.append(build(moment, quantity, price, fee=fee, tax=tax))
        elif kind == "DIVIDEND":
            entries.append(dividend(moment, draw(decimals_with_places(13, positive=True)), tax=tax))
        else:
            entries.append(stock_fee(moment, draw(amounts)))
    splits = [
        SplitEntry(
            start.date() + timedelta(days=draw(st.integers(-1, 21))),
            draw(st.integers(1, 12)),
            draw(st.integers(1, 12)),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    return entries, splits


@settings(max_examples=400, deadline=None)
@given(history=unruly_histories())
def test_replay_is_exactly_the_reference_models(
    history: tuple[list[PositionEntry], list[SplitEntry]],
) -> None:
    entries, splits = history
    assert repr(replay_position(entries, splits)) == repr(oracle_replay(entries, splits))
