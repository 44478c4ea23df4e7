"""Replaying one position: cost basis (FIFO and moving average), splits, income and costs."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

import pytest

from contexts.portfolio.domain.position import (
    CostBasisMethod,
    EntryKind,
    Lot,
    PositionEntry,
    PositionState,
    SplitEntry,
    fraction_to_decimal,
    replay_position,
)
from tests.unit.portfolio.position_entries import at, buy, dividend, sell, stock_fee

FIFO, AVERAGE = CostBasisMethod.FIFO, CostBasisMethod.AVERAGE
D = Decimal
DAY = date(2025, 1, 6)


def on(offset: int, hour: int = 15) -> datetime:
    return at(DAY + timedelta(days=offset), hour)


def unrealized(state: PositionState, method: CostBasisMethod, price: str) -> Decimal:
    return state.quantity * D(price) - state.cost_basis(method)


# --- the reference case (Portfolio Performance's documentation) ---------------------------

FIRST_PART = [
    buy(on(0), 100, 95),
    buy(on(1), 200, 105),
    buy(on(2), 100, 107),
    sell(on(3), 150, 110),
]
SECOND_PART = [buy(on(4), 50, 100), buy(on(5), 300, "107.50"), sell(on(6), 200, 108)]


def test_reference_case_first_sell() -> None:
    state = replay_position(FIRST_PART, [])

    # FIFO: 150 sold = 100 @ 95 + 50 @ 105 = 14,750; proceeds 16,500 → 1,750
    assert state.fifo_realized_gain == D(1750)
    # average: (9,500 + 21,000 + 10,700) / 400 = 103 a share; 150 × 103 = 15,450 → 1,050
    assert state.average_realized_gain == D(1050)
    assert state.quantity == D(250)


def test_reference_case_full_history() -> None:
    state = replay_position(FIRST_PART + SECOND_PART, [])

    assert state.quantity == D(400)
    assert state.fifo_realized_gain == D(2250)
    assert state.average_realized_gain == D(1650)
    assert state.fifo_cost_basis == D(42600)
    assert state.average_cost_basis == D(42000)
    assert unrealized(state, FIFO, "108") == D(600)
    assert unrealized(state, AVERAGE, "108") == D(1200)
    assert state.unrealized_gain(FIFO, D(108)) == D(600)
    assert state.unrealized_gain(AVERAGE, D(108)) == D(1200)
    for method in CostBasisMethod:
        assert state.realized_gain(method) + state.unrealized_gain(method, D(108)) == D(2850)
    assert state.average_cost(FIFO) == D("106.5")
    assert state.average_cost(AVERAGE) == D(105)
    assert state.market_value(D(108)) == D(43200)
    # FIFO keeps the last 50 of the 107 lot, all 50 @ 100 and all 300 @ 107.50
    assert state.fifo_lots == (
        Lot(on(2), D(50), D(5350)),
        Lot(on(4), D(50), D(5000)),
        Lot(on(5), D(300), D(32250)),
    )
    assert state.first_transaction_at == on(0)
    assert state.last_transaction_at == on(6)
    assert not state.is_closed


def test_reference_case_in_any_input_order_is_bit_identical() -> None:
    entries = FIRST_PART + SECOND_PART
    expected = repr(replay_position(entries, []))
    shuffler = random.Random(11)
    for _ in range(20):
        shuffled = entries[:]
        shuffler.shuffle(shuffled)
        assert repr(replay_position(shuffled, [])) == expected
    assert repr(replay_position(reversed(entries), [])) == expected
    assert repr(replay_position(iter(entries), [])) == expected


# --- fees and taxes ------------------------------------------------------------------------


def test_buy_fee_and_tax_are_part_of_the_cost_and_sell_fee_and_tax_reduce_proceeds() -> None:
    state = replay_position(
        [
            buy(on(0), 10, 100, fee="5", tax="2.50"),  # cost 1,007.50
            buy(on(1), 10, 110, fee="5"),  # cost 1,105
            sell(on(2), 15, 120, fee="4", tax="6"),  # proceeds 1,800 − 10 = 1,790
        ],
        [],
    )

    # FIFO: 10 @ 1,007.50 + 5 of 10 @ 1,105 (552.50) = 1,560 removed → 230
    assert state.fifo_realized_gain == D(230)
    assert state.fifo_cost_basis == D("552.5")
    # average: 2,112.50 / 20 = 105.625 a share; 15 × 105.625 = 1,584.375 → 205.625
    assert state.average_realized_gain == D("205.625")
    assert state.average_cost_basis == D("528.125")
    assert state.average_cost(AVERAGE) == D("105.625")  # unchanged by the sell
    assert state.fees == D(14)
    assert state.taxes == D("8.5")
    assert state.quantity == D(5)


def test_sell_whose_costs_exceed_its_value_realizes_a_loss() -> None:
    state = replay_position([buy(on(0), 1, 0), sell(on(1), 1, 0, fee="1.25")], [])

    assert state.fifo_realized_gain == D("-1.25")
    assert state.average_realized_gain == D("-1.25")
    assert state.is_closed


# --- dividends and fees attached to the stock ----------------------------------------------


def test_dividend_adds_gross_amount_and_its_tax_without_touching_quantity_or_cost() -> None:
    without = replay_position([buy(on(0), 10, 50)], [])
    state = replay_position(
        [buy(on(0), 10, 50), dividend(on(30), "12.40", tax="1.86"), dividend(on(120), "13")],
        [],
    )

    assert state.dividends == D("25.4")
    assert state.taxes == D("1.86")
    assert state.quantity == without.quantity
    assert state.fifo_cost_basis == without.fifo_cost_basis == D(500)
    assert state.average_cost_basis == D(500)
    assert state.fifo_realized_gain == state.average_realized_gain == D(0)
    assert state.last_transaction_at == on(120)


def test_fee_attached_to_the_stock_counts_in_fees_only() -> None:
    state = replay_position(
        [buy(on(0), 10, 50, fee="1"), stock_fee(on(40), "7.5"), stock_fee(on(41), "0.25")], []
    )

    assert state.fees == D("8.75")
    assert state.taxes == D(0)
    assert state.fifo_cost_basis == state.average_cost_basis == D(501)
    assert state.realized_gain(FIFO) == state.realized_gain(AVERAGE) == D(0)


def test_dividend_before_any_buy_is_still_counted() -> None:
    state = replay_position([dividend(on(0), "3", tax="0.45")], [])

    assert state.dividends == D(3)
    assert state.taxes == D("0.45")
    assert state.quantity == D(0)
    assert state.is_closed


# --- splits --------------------------------------------------------------------------------


SPLIT_DAY = date(2024, 6, 10)


def test_four_for_one_split_multiplies_quantity_and_divides_cost_per_share() -> None:
    state = replay_position(
        [buy(at(date(2024, 6, 3)), 100, 200, fee=4)], [SplitEntry(SPLIT_DAY, 4, 1)]
    )

    assert state.quantity == D(400)
    assert state.fifo_cost_basis == state.average_cost_basis == D(20004)  # total unchanged
    assert state.average_cost(FIFO) == D("50.01")
    assert state.fifo_lots == (Lot(at(date(2024, 6, 3)), D(400), D(20004)),)


def test_back_dated_pre_split_trade_is_replayed_in_its_own_units() -> None:
    split = SplitEntry(SPLIT_DAY, 4, 1)
    recorded_after_the_split = at(date(2024, 6, 20))
    entries = [
        buy(at(date(2024, 6, 1)), 100, 200),  # 100 pre-split shares, cost 20,000
        buy(at(date(2024, 6, 12)), 40, 50),  # 40 post-split shares, cost 2,000
        # back-dated: executed before the split, recorded after it, in pre-split units
        sell(at(date(2024, 6, 5)), 10, 190, recorded_at=recorded_after_the_split),
    ]

    state = replay_position(entries, [split])

    # (100 − 10) × 4 + 40 = 400 shares; the sell removed 10 × 200 = 2,000 of cost
    assert state.quantity == D(400)
    assert state.fifo_realized_gain == state.average_realized_gain == D(-100)
    assert state.fifo_cost_basis == state.average_cost_basis == D(20000)
    assert state.average_cost(FIFO) == state.average_cost(AVERAGE) == D(50)
    assert state.fifo_lots == (
        Lot(at(date(2024, 6, 1)), D(360), D(18000)),
        Lot(at(date(2024, 6, 12)), D(40), D(2000)),
    )


def test_split_applies_at_the_start_of_its_day_in_utc() -> None:
    split = SplitEntry(SPLIT_DAY, 4, 1)
    new_york = timezone(timedelta(hours=-5))
    # 23:30 in New York on the 9th is 04:30 UTC on the 10th: already post-split units
    late_evening = datetime(2024, 6, 9, 23, 30, tzinfo=new_york)
    just_before = datetime(2024, 6, 9, 23, 59, 59, tzinfo=UTC)

    state = replay_position(
        [
            buy(just_before, 10, 100),  # pre-split: becomes 40
            buy(at(SPLIT_DAY, hour=0, minute=0), 4, 25),  # the split day: post-split units
            buy(late_evening, 4, 25),
        ],
        [split],
    )

    assert state.quantity == D(48)
    assert state.average_cost(AVERAGE) == D(25)


def test_one_for_three_reverse_split_is_exact() -> None:
    state = replay_position([buy(on(0), 100, 30)], [SplitEntry(DAY + timedelta(days=5), 1, 3)])

    assert state.quantity == D("33.33333333333333333333333333333333")  # 34 significant digits
    assert state.fifo_cost_basis == state.average_cost_basis == D(3000)  # exactly, not 2999.99…
    # the per-share cost divides a 34-digit quantity: 90 to 32 digits
    average_cost = state.average_cost(AVERAGE)
    assert average_cost is not None
    assert abs(average_cost - 90) < D("1e-30")


def test_reverse_split_then_forward_split_comes_back_exactly() -> None:
    splits = [SplitEntry(DAY + timedelta(days=5), 1, 3), SplitEntry(DAY + timedelta(days=9), 3, 1)]
    state = replay_position([buy(on(0), 100, 30, fee=1), sell(on(10), 50, 31)], splits)

    # with rounded decimals 33.33…3 × 3 would be 99.99…9; exact, it is 100 again
    assert state.quantity == D(50)
    assert state.fifo_cost_basis == state.average_cost_basis == D("1500.5")
    assert state.fifo_realized_gain == state.average_realized_gain == D("49.5")


def test_selling_a_third_each_time_ends_at_exactly_zero() -> None:
    entries = [
        buy(on(0), 30, 10, fee=1),  # 301 for 30: 10.0333… a share
        sell(on(1), 10, 11),
        sell(on(2), 10, 12),
        sell(on(3), 10, 13),
    ]
    middle = replay_position(entries[:2], [])
    state = replay_position(entries, [])

    assert middle.average_cost_basis == fraction_to_decimal(Fraction(602, 3))
    assert middle.fifo_cost_basis == fraction_to_decimal(Fraction(602, 3))
    assert state.quantity == 0
    assert state.fifo_cost_basis == state.average_cost_basis == 0
    assert state.fifo_lots == ()
    assert state.fifo_realized_gain == state.average_realized_gain == D(59)  # 360 − 301
    assert state.is_closed
    assert state.average_cost(FIFO) is None


def test_several_splits_and_splits_after_the_last_entry() -> None:
    splits = [
        SplitEntry(date(2020, 1, 1), 2, 1),  # before anything: no effect
        SplitEntry(date(2021, 1, 1), 3, 2),
        SplitEntry(date(2022, 1, 1), 2, 1),
    ]
    state = replay_position([buy(at(date(2020, 6, 1)), 10, 60)], reversed(splits))

    assert state.quantity == D(30)  # 10 × 3/2 × 2
    assert state.average_cost(AVERAGE) == D(20)


@pytest.mark.parametrize(("numerator", "denominator"), [(0, 1), (1, 0), (-2, 1), (2, -1)])
def test_invalid_split_terms_raise(numerator: int, denominator: int) -> None:
    with pytest.raises(ValueError, match="split terms must be positive"):
        replay_position([], [SplitEntry(DAY, numerator, denominator)])


# --- ordering ------------------------------------------------------------------------------


def test_same_execution_time_is_ordered_by_recorded_at_then_transaction_id() -> None:
    moment = on(0)
    first = buy(moment, 10, 10, recorded_at=on(0, hour=16))
    second = buy(moment, 10, 20, recorded_at=on(0, hour=17))
    later_sell = sell(on(1), 10, 30)

    state = replay_position([later_sell, second, first], [])
    assert state.fifo_realized_gain == D(200)  # the lot recorded first (cost 100) goes first

    low = buy(moment, 10, 10, recorded_at=moment, transaction_id=UUID(int=1))
    high = buy(moment, 10, 20, recorded_at=moment, transaction_id=UUID(int=2))
    state = replay_position([high, later_sell, low], [])
    assert state.fifo_realized_gain == D(200)


def test_empty_history() -> None:
    state = replay_position([], [SplitEntry(DAY, 2, 1)])

    assert state.quantity == 0
    assert state.cost_basis(FIFO) == state.cost_basis(AVERAGE) == 0
    assert state.realized_gain(FIFO) == state.realized_gain(AVERAGE) == 0
    assert state.fifo_lots == ()
    assert state.first_transaction_at is None
    assert state.last_transaction_at is None
    assert state.average_cost(AVERAGE) is None


# --- robustness: the projection is eventually consistent -----------------------------------


def test_oversell_never_raises_and_goes_negative() -> None:
    # the SELL has arrived, the BUY it depends on not yet
    state = replay_position([sell(on(1), 150, 12)], [])

    assert state.quantity == D(-150)
    assert state.fifo_cost_basis == state.average_cost_basis == 0
    assert state.fifo_realized_gain == state.average_realized_gain == D(1800)  # zero cost
    assert state.average_cost(FIFO) is None


def test_oversell_consumes_the_lots_there_are_and_sells_the_excess_at_zero_cost() -> None:
    state = replay_position([buy(on(0), 100, 10), sell(on(1), 150, 12)], [])

    assert state.quantity == D(-50)
    assert state.fifo_lots == ()
    assert state.fifo_cost_basis == state.average_cost_basis == 0
    assert state.fifo_realized_gain == state.average_realized_gain == D(800)  # 1,800 − 1,000


def test_a_later_buy_covers_an_oversold_position() -> None:
    state = replay_position([buy(on(0), 100, 10), sell(on(1), 150, 12), buy(on(2), 100, 11)], [])

    # 50 of the 100 bought cover the shortfall: their 550 of cost is realized as a loss
    assert state.quantity == D(50)
    assert state.fifo_realized_gain == state.average_realized_gain == D(250)  # 1,800 − 1,550
    assert state.fifo_lots == (Lot(on(2), D(50), D(550)),)
    assert state.average_cost_basis == D(550)


def test_a_buy_that_only_covers_the_shortfall_leaves_nothing_held() -> None:
    state = replay_position([sell(on(1), 50, 12), buy(on(2), 50, 11, fee=2)], [])

    assert state.quantity == 0
    assert state.fifo_lots == ()
    assert state.fifo_cost_basis == state.average_cost_basis == 0
    assert state.fifo_realized_gain == state.average_realized_gain == D(48)  # 600 − 552


def test_when_the_missing_buy_arrives_the_replay_is_correct_again() -> None:
    the_sell = sell(on(5), 150, 12)
    early = replay_position([buy(on(0), 100, 10), the_sell], [])
    assert early.quantity < 0

    complete = [buy(on(0), 100, 10), the_sell, buy(on(1), 100, 11)]
    state = replay_position(complete, [])

    # 100 @ 10 and 50 @ 11 sold for 1,800 under FIFO; the average is 10.5 a share
    assert state.quantity == D(50)
    assert state.fifo_realized_gain == D(250)
    assert state.average_realized_gain == D(225)
    assert state.fifo_cost_basis == D(550)
    assert state.average_cost_basis == D(525)


# --- entries, splits, conversion -----------------------------------------------------------


def test_entries_refuse_what_replay_cannot_use() -> None:
    naive = datetime(2025, 1, 6, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        buy(naive, 1, 1)
    with pytest.raises(ValueError, match="needs a quantity and a price"):
        PositionEntry(UUID(int=1), EntryKind.SELL, on(0), on(0), None, D(1), D(1), D(0), D(0))
    with pytest.raises(ValueError, match="quantity must be greater than 0"):
        buy(on(0), 0, 1)
    with pytest.raises(ValueError, match="price must be greater than or equal to 0"):
        buy(on(0), 1, -1)
    with pytest.raises(ValueError, match="fee and tax"):
        buy(on(0), 1, 1, fee=-1)
    with pytest.raises(ValueError, match="finite"):
        dividend(on(0), "NaN")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(0), "0"),
        (Fraction(42600), "42600"),
        (Fraction(213, 2), "106.5"),
        (Fraction(-1, 8), "-0.125"),
        (Fraction(1, 3), "0.3333333333333333333333333333333333"),
        (Fraction(-200, 3), "-66.66666666666666666666666666666667"),
        (Fraction(10**40 + 1, 10**12), "10000000000000000000000000000.000000000001"),
    ],
)
def test_fraction_to_decimal(value: Fraction, expected: str) -> None:
    assert repr(fraction_to_decimal(value)) == repr(D(expected))
