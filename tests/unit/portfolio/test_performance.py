"""Daily valuation, time-weighted and money-weighted returns (API.md "Performance")."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest

from contexts.portfolio.application.performance import (
    DailyClose,
    PerformanceReport,
    StockHistory,
    annual_rate,
    measure_performance,
)
from contexts.portfolio.domain.position import (
    EntryKind,
    PositionEntry,
    SplitEntry,
    fraction_to_decimal,
    replay_order,
)
from contexts.stock.contracts import CloseSeries, ClosingPrice
from tests.unit.portfolio.position_entries import at, buy, dividend, sell, stock_fee

D = Decimal
MARCH_1 = date(2024, 3, 1)


@dataclass(frozen=True)
class Close:
    """A close as traded: any object with ``date`` and ``close`` will do."""

    date: date
    close: Decimal


def day(offset: int, start: date = MARCH_1) -> date:
    return start + timedelta(days=offset)


def closes(*pairs: tuple[int, str], start: date = MARCH_1) -> list[Close]:
    return [Close(day(offset, start), D(close)) for offset, close in pairs]


def values(report: PerformanceReport) -> list[Decimal]:
    return [point.value for point in report.series]


# --- a small case checked by hand ----------------------------------------------------------


def test_hand_checked_five_days() -> None:
    history = StockHistory(
        entries=[
            buy(at(day(1)), 10, 100, fee=1),  # in_1 = 1,000 + 1 = 1,001
            dividend(at(day(3)), 5, tax="0.75"),  # out_3 = 5 − 0.75 = 4.25
            sell(at(day(4)), 4, 108, fee=1, tax="0.2"),  # out_4 = 432 − 1 − 0.2 = 430.8
        ],
        splits=[],
        closes=closes((0, "98"), (1, "100"), (2, "110"), (3, "105"), (4, "108")),
    )

    report = measure_performance([history], day(0), day(4))

    # V_0 = 0 (nothing held yet), V_1 = 10 × 100, V_2 = 10 × 110, V_3 = 10 × 105, V_4 = 6 × 108
    assert values(report) == [D(0), D(1000), D(1100), D(1050), D(648)]
    # r_1 = (1,000 + 0) / (0 + 1,001) − 1      = −0.000999000999…
    # r_2 = (1,100 + 0) / (1,000 + 0) − 1      = 0.1
    # r_3 = (1,050 + 4.25) / (1,100 + 0) − 1   = −0.0415909090…
    # r_4 = (648 + 430.8) / (1,050 + 0) − 1    = 0.0274285714…
    # cumulative: −0.000999001, 0.0989010989, 0.0531968032, then
    # TWR = 1000/1001 × 1.1 × 1054.25/1100 × 1078.8/1050 − 1 = 3,791,083/3,503,500 − 1
    assert [point.cumulative_return for point in report.series] == [
        D("0E-10"),
        D("-0.0009990010"),
        D("0.0989010989"),
        D("0.0531968032"),
        D("0.0820844869"),
    ]
    twr = Fraction(3_791_083, 3_503_500) - 1
    assert report.time_weighted_return == D(f"{float(twr):.10f}") == D("0.0820844869")
    assert report.time_weighted_return_annualized is None  # 4 days < 365
    assert report.days == 4
    assert (report.start, report.end) == (day(0), day(4))
    assert report.start_value == 0
    assert report.end_value == D(648)
    assert report.net_inflow == D("565.95")  # 1,001 − 4.25 − 430.8
    assert report.gain == D("82.05")  # 648 − 0 − 565.95 = (4.25 + 430.8 + 648) − 1,001

    # MWR: flows −0 on 1 March, −1,001 on the 2nd, +4.25 on the 4th, +430.8 + 648 on the 5th;
    # the XIRR r (actual/365) makes their present value zero: a 3.3 % gain in 4 days is a
    # huge annual rate
    mwr = report.money_weighted_return
    assert mwr is not None
    rate = float(mwr)
    flows = [(1, -1001.0), (3, 4.25), (4, 1078.8)]
    present_value = sum(amount / (1 + rate) ** (offset / 365) for offset, amount in flows)
    assert abs(present_value) < 1e-6
    # the root, to 50 digits: 14731.614871008562479883852500401252233507253429327
    assert abs(mwr - D("14731.6148710086")) <= D("3e-10")


# --- an independent implementation: plain loops over days, exact fractions ----------------


def close_objects(history: StockHistory) -> Sequence[DailyClose]:
    """The history's closes, which the reference is only ever given as objects."""
    assert not isinstance(history.closes, CloseSeries)
    return history.closes


def reference_performance(
    histories: list[StockHistory], start: date, end: date
) -> tuple[list[Fraction], list[Fraction], list[Fraction]]:
    """V_t, in_t and out_t for every day, straight from API.md's definitions.

    The price is taken literally: the latest close on or before the day as
    traded, else the latest BUY or SELL price as traded, never converted across
    a split (only the quantity has the splits applied).
    """
    day_values, inflows, outflows = [], [], []
    stocks = [
        (
            sorted(history.entries, key=replay_order),
            sorted(history.splits, key=lambda split: split.effective_date),
            [close.close for close in close_objects(history)],
            [close.date for close in close_objects(history)],
        )
        for history in histories
    ]
    for offset in range((end - start).days + 1):
        today = start + timedelta(days=offset)
        value = inflow = outflow = Fraction(0)
        for ordered, splits, stock_closes, close_dates in stocks:
            quantity = Fraction(0)
            last_trade: PositionEntry | None = None
            applied = 0
            for entry in ordered:
                executed_on = entry.executed_at.astimezone(UTC).date()
                if executed_on > today:
                    break
                while applied < len(splits) and splits[applied].effective_date <= executed_on:
                    quantity *= Fraction(splits[applied].numerator, splits[applied].denominator)
                    applied += 1
                amount, fee, tax = Fraction(entry.amount), Fraction(entry.fee), Fraction(entry.tax)
                if entry.kind == EntryKind.BUY:
                    quantity += Fraction(entry.quantity or 0)
                    last_trade = entry
                    if executed_on == today and offset > 0:
                        inflow += amount + fee + tax
                elif entry.kind == EntryKind.SELL:
                    quantity -= Fraction(entry.quantity or 0)
                    last_trade = entry
                    if executed_on == today and offset > 0:
                        outflow += amount - fee - tax
                elif entry.kind == EntryKind.DIVIDEND and executed_on == today and offset > 0:
                    outflow += amount - tax
            while applied < len(splits) and splits[applied].effective_date <= today:
                quantity *= Fraction(splits[applied].numerator, splits[applied].denominator)
                applied += 1

            latest = bisect_right(close_dates, today) - 1
            if latest >= 0:
                price = Fraction(stock_closes[latest])
            elif last_trade is not None:
                price = Fraction(last_trade.price or 0)
            else:
                price = Fraction(0)
            value += quantity * price
        day_values.append(value)
        inflows.append(inflow)
        outflows.append(outflow)
    return day_values, inflows, outflows


def reference_returns(
    day_values: list[Fraction], inflows: list[Fraction], outflows: list[Fraction]
) -> list[float]:
    cumulative, growth = [0.0], 1.0
    for today in range(1, len(day_values)):
        denominator = day_values[today - 1] + inflows[today]
        if denominator != 0:
            growth *= float((day_values[today] + outflows[today]) / denominator)
        cumulative.append(growth - 1)
    return cumulative


def reference_xirr(flows: list[tuple[int, float]]) -> float:
    """Bisection on the present value (actual/365); the flows here have one root."""

    def present_value(rate: float) -> float:
        # typeshed's float ** float is Any (it may be complex); here 1 + rate > 0
        value: float = sum(amount / (1 + rate) ** (offset / 365) for offset, amount in flows)
        return value

    low, high = -0.99, 10.0
    assert present_value(low) * present_value(high) < 0
    for _ in range(200):
        middle = (low + high) / 2
        if present_value(low) * present_value(middle) <= 0:
            high = middle
        else:
            low = middle
    return (low + high) / 2


def generated_histories(seed: int) -> tuple[list[StockHistory], date, date]:
    """3 stocks × 3 years: random trades, dividends, sparse closes, splits, odd time zones.

    One split's effective date has no close (the days until the next close are
    valued at the pre-split close, as traded), the other's has one.
    """
    rng = random.Random(seed)
    start, end = date(2021, 1, 1), date(2023, 12, 31)
    zones = [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))]
    setups = [
        # (first close, share of days with a close, splits, whether a split's day has a close)
        (date(2020, 6, 1), 5 / 7, [], False),
        (date(2021, 7, 1), 0.9, [SplitEntry(date(2022, 5, 14), 4, 1)], False),  # a Saturday
        (date(2020, 12, 1), 0.7, [SplitEntry(date(2022, 9, 1), 1, 3)], True),
    ]
    histories = []
    for first_close, density, splits, split_day_closes in setups:
        ratios = {split.effective_date: split.ratio for split in splits}
        price, walk = rng.uniform(20, 200), {}
        current = date(2020, 6, 1)
        while current <= date(2024, 3, 1):
            price *= (1 + rng.gauss(0.0003, 0.015)) / ratios.get(current, 1)
            walk[current] = price
            current += timedelta(days=1)
        stock_closes = [
            Close(when, D(f"{close:.4f}"))
            for when, close in walk.items()
            if first_close <= when <= end
            and (split_day_closes if when in ratios else rng.random() < density)
        ]
        entries: list[PositionEntry] = []
        held, pending = Fraction(0), list(splits)
        moment = datetime(2020, 11, 2, 14, 0, tzinfo=UTC)
        while moment.date() < date(2024, 1, 20):
            moment += timedelta(hours=rng.randint(6, 24 * 20))
            while pending and pending[0].effective_date <= moment.date():
                held *= pending.pop(0).ratio
            executed_at = moment.astimezone(rng.choice(zones))  # same instant, other zone
            trade_price = D(f"{walk[moment.date()] * rng.uniform(0.98, 1.02):.2f}")
            fee, tax = D(rng.choice(["0", "1", "4.95"])), D(rng.choice(["0", "0.35"]))
            roll = rng.random()
            if roll < 0.45 or held < 2:
                quantity = D(rng.choice([str(rng.randint(1, 60)), f"{rng.uniform(0.1, 9):.3f}"]))
                entries.append(buy(executed_at, quantity, trade_price, fee=fee, tax=tax))
                held += Fraction(quantity)
            elif roll < 0.8:
                sold = held * Fraction(rng.randint(10, 100), 100)
                quantity = D(int(sold * 1000)).scaleb(-3)  # rounded down: never oversold
                if quantity > 0:
                    entries.append(sell(executed_at, quantity, trade_price, fee=fee, tax=tax))
                    held -= Fraction(quantity)
            elif roll < 0.95:
                entries.append(dividend(executed_at, D(f"{rng.uniform(1, 80):.2f}"), tax=tax))
            else:
                entries.append(stock_fee(executed_at, D("2.50")))
        rng.shuffle(entries)  # input order must not matter
        histories.append(StockHistory(entries, splits, stock_closes))
    return histories, start, end


@pytest.mark.parametrize("seed", [2024, 7])
def test_generated_three_years_agree_with_a_plain_day_by_day_implementation(seed: int) -> None:
    histories, start, end = generated_histories(seed)

    report = measure_performance(histories, start, end)
    day_values, inflows, outflows = reference_performance(histories, start, end)
    cumulative = reference_returns(day_values, inflows, outflows)

    assert report.days == (end - start).days == 1094
    assert len(report.series) == len(day_values) == 1095
    for point, offset in zip(report.series, range(len(day_values)), strict=True):
        assert point.date == start + timedelta(days=offset)
        assert abs(float(point.value) - float(day_values[offset])) < 1e-6, point.date
        assert abs(float(point.cumulative_return) - cumulative[offset]) < 1e-6, point.date
    # exact where it is promised
    assert report.start_value == fraction_to_decimal(day_values[0])
    assert report.end_value == fraction_to_decimal(day_values[-1])
    assert report.series[0].value == report.start_value
    assert report.series[-1].value == report.end_value
    net_inflow = sum(inflows, Fraction(0)) - sum(outflows, Fraction(0))
    assert report.net_inflow == fraction_to_decimal(net_inflow)
    with localcontext(prec=100):
        assert report.gain == report.end_value - report.start_value - report.net_inflow

    twr = cumulative[-1]
    assert abs(float(report.time_weighted_return) - twr) < 1e-6
    annualized = report.time_weighted_return_annualized
    assert annualized is not None
    assert abs(float(annualized) - ((1 + twr) ** (365 / 1094) - 1)) < 1e-6

    flows = [(0, -float(day_values[0]))]
    flows += [
        (offset, float(outflows[offset] - inflows[offset]))
        for offset in range(1, len(day_values))
        if outflows[offset] != inflows[offset]
    ]
    flows.append((len(day_values) - 1, float(day_values[-1])))
    assert report.money_weighted_return is not None
    assert abs(float(report.money_weighted_return) - reference_xirr(flows)) < 1e-6


# --- annualizing ---------------------------------------------------------------------------


def held_from_before(start: date, *pairs: tuple[int, str]) -> StockHistory:
    """10 shares bought before ``start``; no flows inside the period."""
    return StockHistory(
        entries=[buy(at(start - timedelta(days=3)), 10, 100)],
        splits=[],
        closes=closes(*pairs, start=start),
    )


def test_annualized_is_none_below_365_days_and_equal_to_twr_at_365() -> None:
    start = date(2023, 1, 1)
    history = held_from_before(start, (0, "100"), (364, "121"), (365, "110"))

    short = measure_performance([history], start, day(364, start))
    assert short.days == 364
    assert short.time_weighted_return == D("0.21")
    assert short.time_weighted_return_annualized is None

    year = measure_performance([history], start, day(365, start))
    assert year.days == 365
    assert year.time_weighted_return == D("0.1")
    assert year.time_weighted_return_annualized == D("0.1")


def test_annualized_over_two_years_is_the_geometric_mean() -> None:
    start = date(2022, 1, 1)
    history = held_from_before(start, (0, "100"), (730, "121"))

    report = measure_performance([history], start, day(730, start))

    assert report.time_weighted_return == D("0.21")
    assert report.time_weighted_return_annualized == D("0.1")  # 1.21^(365/730) − 1
    # no flows at all: the money-weighted return is the same annual rate
    assert report.money_weighted_return == D("0.1")
    assert report.net_inflow == 0
    assert report.gain == D(210)


# --- nothing to measure --------------------------------------------------------------------


def test_no_holdings_at_all() -> None:
    report = measure_performance([], day(0), day(400))

    assert report.days == 400
    assert report.start_value == report.end_value == report.net_inflow == report.gain == 0
    assert report.time_weighted_return == 0
    assert report.time_weighted_return_annualized == 0
    assert report.money_weighted_return is None  # no flows, no values: XIRR has no solution
    assert len(report.series) == 401
    assert all(point.value == 0 and point.cumulative_return == 0 for point in report.series)


def test_prices_without_positions_have_no_money_weighted_return() -> None:
    history = StockHistory([], [], closes((0, "10"), (2, "11")))

    report = measure_performance([history], day(0), day(3))

    assert values(report) == [0, 0, 0, 0]
    assert report.money_weighted_return is None


def test_a_period_of_one_day() -> None:
    history = held_from_before(MARCH_1, (0, "100"))

    report = measure_performance([history], day(0), day(0))

    assert report.days == 0
    assert report.start_value == report.end_value == D(1000)
    assert [(point.date, point.value) for point in report.series] == [(day(0), D(1000))]
    assert report.time_weighted_return == 0
    assert report.money_weighted_return is None


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        measure_performance([], day(5), day(4))


def test_closes_out_of_order_are_refused() -> None:
    history = StockHistory([], [], closes((2, "10"), (1, "11"), (3, "12")))

    with pytest.raises(ValueError, match="ascending"):
        measure_performance([history], day(0), day(5))


# --- prices --------------------------------------------------------------------------------


def test_price_falls_back_to_the_latest_trade_until_the_first_close() -> None:
    history = StockHistory(
        entries=[
            buy(at(day(1)), 10, 50),
            sell(at(day(3)), 5, 60),
            buy(at(day(4), hour=9), 1, 62),
            buy(at(day(4), hour=11), 1, 64),  # the latest trade of day 4
        ],
        splits=[],
        closes=closes((6, "70")),
    )

    report = measure_performance([history], day(0), day(7))

    # day 0 nothing; days 1–2 at 50; day 3 at 60; days 4–5 at 64; from day 6 the close
    assert values(report) == [0, 500, 500, 300, 448, 448, 490, 490]


def test_fallback_uses_recorded_order_for_trades_at_the_same_moment() -> None:
    moment = at(day(1))
    history = StockHistory(
        entries=[
            buy(moment, 1, 80, recorded_at=moment + timedelta(minutes=5)),
            buy(moment, 1, 70, recorded_at=moment + timedelta(minutes=1)),
        ],
        splits=[],
        closes=[],
    )

    report = measure_performance([history], day(1), day(2))

    assert report.end_value == D(160)  # 2 × 80, the trade recorded last


FRIDAY = date(2024, 5, 10)


def test_a_split_whose_effective_date_has_a_close_is_valued_at_that_close() -> None:
    # 2-for-1 effective Monday; the exchange publishes Monday's close post-split
    history = StockHistory(
        entries=[buy(at(FRIDAY - timedelta(days=1)), 10, 200)],
        splits=[SplitEntry(day(3, FRIDAY), 2, 1)],
        closes=closes((0, "210"), (3, "106"), start=FRIDAY),
    )

    report = measure_performance([history], FRIDAY, day(3, FRIDAY))

    # Friday to Sunday 10 × 210; Monday 20 × 106: the literal rule is the real value
    assert values(report) == [2100, 2100, 2100, 2120]
    assert report.end_value == D(2120)
    assert report.time_weighted_return == D("0.0095238095")  # 2120/2100 − 1


def test_a_split_without_a_close_on_its_effective_date_uses_the_latest_close_as_traded() -> None:
    # 2-for-1 effective on a Saturday: the latest close on or before the weekend days is
    # Friday's pre-split 210, and API.md takes it as traded (not halved), while the
    # quantity has the split applied: 20 × 210 until Monday's close
    history = StockHistory(
        entries=[buy(at(FRIDAY - timedelta(days=1)), 10, 200)],
        splits=[SplitEntry(day(1, FRIDAY), 2, 1)],
        closes=closes((0, "210"), (3, "106"), start=FRIDAY),
    )

    report = measure_performance([history], FRIDAY, day(3, FRIDAY))

    assert values(report) == [2100, 4200, 4200, 2120]
    # r_1 = 4200/2100 − 1 = 1, r_2 = 0, r_3 = 2120/4200 − 1: the chain telescopes back
    assert [point.cumulative_return for point in report.series] == [
        0,
        D(1),
        D(1),
        D("0.0095238095"),
    ]
    weekend = measure_performance([history], FRIDAY, day(2, FRIDAY))
    assert weekend.end_value == D(4200)  # exact too: 20 × 210
    assert weekend.time_weighted_return == D(1)


def test_a_trade_price_fallback_is_used_as_traded_across_a_split() -> None:
    # no close until day 3: the latest trade price (100, pre-split) is taken as traded
    history = StockHistory(
        entries=[buy(at(day(0)), 10, 100)],
        splits=[SplitEntry(day(2), 4, 1)],
        closes=closes((3, "26")),
    )

    report = measure_performance([history], day(0), day(3))

    # days 0–1: 10 × 100; day 2: 40 × 100 (the split applies to the quantity only);
    # day 3: 40 × 26, the first close
    assert values(report) == [1000, 1000, 4000, 1040]
    assert report.time_weighted_return == D("0.04")
    on_the_split_day = measure_performance([history], day(0), day(2))
    assert on_the_split_day.end_value == D(4000)


def test_one_for_three_reverse_split_values_are_exact() -> None:
    history = StockHistory(
        entries=[buy(at(day(-10)), 100, 30)],
        splits=[SplitEntry(day(2), 1, 3), SplitEntry(day(10), 2, 1)],  # the second: too late
        closes=closes((0, "30"), (2, "90"), (3, "91")),
    )

    report = measure_performance([history], day(0), day(2))
    assert report.start_value == D(3000)
    assert report.end_value == D(3000)  # 100/3 shares × 90, not 2999.99…
    assert report.gain == 0

    later = measure_performance([history], day(0), day(3))
    assert later.end_value == D("3033.333333333333333333333333333333")  # 100/3 × 91


# --- what is and is not a flow -------------------------------------------------------------


def test_entries_before_the_period_are_holdings_and_after_it_are_ignored() -> None:
    history = StockHistory(
        entries=[
            buy(at(day(-5)), 10, 100, fee=5),  # before: part of V_start, not a flow
            buy(at(day(0), hour=10), 5, 100, fee=5),  # on start: also part of V_start
            stock_fee(at(day(1)), 9),  # FEE: neither a flow nor a holding
            dividend(at(day(2)), 30, tax="4.5"),  # out = 25.5
            buy(at(day(9)), 100, 100),  # after the end: ignored
        ],
        splits=[],
        closes=closes((-6, "100"), (1, "102")),
    )

    report = measure_performance([history], day(0), day(2))

    assert values(report) == [1500, 1530, 1530]
    assert report.net_inflow == D("-25.5")
    assert report.gain == D("55.5")  # 1,530 − 1,500 + 25.5
    # r_1 = 1530/1500 − 1 = 0.02; r_2 = (1530 + 25.5)/1530 − 1 = 1/60
    assert report.time_weighted_return == D(f"{1.02 * (1 + 1 / 60) - 1:.10f}")


def test_zero_denominator_gives_a_zero_return_that_day() -> None:
    # bought for nothing: in_1 = 0 and V_0 = 0, yet V_1 > 0
    history = StockHistory(
        entries=[buy(at(day(1)), 10, 0)],
        splits=[],
        closes=closes((1, "5"), (2, "6")),
    )

    report = measure_performance([history], day(0), day(2))

    assert values(report) == [0, 50, 60]
    assert [point.cumulative_return for point in report.series] == [0, 0, D("0.2")]
    assert report.money_weighted_return is None  # nothing was ever paid: no rate


def test_a_loss_of_nearly_everything_in_days_is_a_rate_of_minus_one() -> None:
    # −200 on 6 March, +100 on the 11th: 1 + r = 0.5^(365/5), r = −1 + 10^−22
    history = StockHistory(
        entries=[buy(at(day(5)), 20, 10)],
        splits=[],
        closes=closes((5, "10"), (6, "10"), (10, "5")),
    )

    report = measure_performance([history], day(4), day(10))

    assert report.time_weighted_return == D("-0.5")
    assert report.money_weighted_return == D("-1")


@pytest.mark.parametrize(
    ("flows", "rate"),
    [
        ([(0, -100.0), (365, 110.0)], 0.1),
        ([(0, -100.0), (730, 121.0)], 0.1),
        ([(0, -100.0), (365, 50.0)], -0.5),
        ([(0, -1000.0), (1, 2000.0)], 2.0**365 - 1),
        ([(0, -1000.0), (5, 999.0)], 0.999 ** (365 / 5) - 1),
        ([(0, 100.0), (365, -110.0)], 0.1),  # borrowed, then repaid
        ([(0, -100.0), (365, 0.0), (730, 100.0)], 0.0),
    ],
)
def test_annual_rate_finds_the_rate_of_a_hand_checked_case(
    flows: list[tuple[int, float]], rate: float
) -> None:
    found = annual_rate(
        np.array([offset / 365 for offset, _ in flows]), np.array([amount for _, amount in flows])
    )

    assert found is not None
    assert found == pytest.approx(rate, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    "flows",
    [
        [(0, -100.0), (365, -10.0)],  # paid out only
        [(0, 100.0), (365, 10.0)],  # received only
        [(0, 0.0), (365, 0.0)],
        [(0, -1.0), (1, 1e300)],  # r = 1e300^365: beyond any float
    ],
)
def test_annual_rate_is_none_without_a_finite_rate(flows: list[tuple[int, float]]) -> None:
    years = np.array([offset / 365 for offset, _ in flows])

    assert annual_rate(years, np.array([amount for _, amount in flows])) is None


def test_of_several_rates_annual_rate_gives_the_one_nearest_to_zero() -> None:
    # −100, +230, −132 a year apart: present value zero at r = 10 % and at r = 20 %
    years = np.array([0.0, 1.0, 2.0])

    found = annual_rate(years, np.array([-100.0, 230.0, -132.0]))

    assert found == pytest.approx(0.1, rel=1e-12)


def test_two_rates_closer_than_a_step_of_the_grid_are_both_found() -> None:
    # a probe's portfolio: 0.116106… and 0.119869… (checked with fractions), 3 % apart
    years = np.array([0, 480, 960]) / 365

    found = annual_rate(years, np.array([-10132.06, 23465.28, -13586.00]))

    assert found is not None
    assert f"{found:.6f}" == "0.116106"


def test_of_three_rates_two_close_together_the_nearest_to_zero_is_given() -> None:
    # yearly flows whose present value is zero at r = 10 %, 10.5 % and 60 %
    discounts = [1 / 1.1, 1 / 1.105, 1 / 1.6]
    coefficients = np.asarray(
        np.poly(discounts)[::-1], dtype=np.float64
    )  # a₀ + a₁v + …, v = 1 / (1 + r)

    found = annual_rate(np.array([0.0, 1.0, 2.0, 3.0]), -1000 * coefficients)

    assert found == pytest.approx(0.1, rel=1e-9)


def test_a_loss_of_all_but_a_tenth_of_a_billionth_in_a_day_is_a_rate_of_minus_one() -> None:
    # 1 + r = (8e-10 / 7,938,173.83)^365: ln(1 + r) ≈ −13,431
    found = annual_rate(np.array([0.0, 1 / 365]), np.array([-7938173.83, 8e-10]))

    assert found == -1.0


def test_the_catalogs_closing_prices_are_accepted_as_they_are() -> None:
    history = StockHistory(
        entries=[buy(at(day(-1)), 3, 10)],
        splits=[],
        closes=[ClosingPrice(day(-2), D("9.5")), ClosingPrice(day(1), D("11.25"))],
    )

    report = measure_performance([history], day(0), day(1))

    assert values(report) == [D("28.5"), D("33.75")]  # 3 × 9.5, then 3 × 11.25


def test_several_stocks_add_up() -> None:
    first = StockHistory([buy(at(day(-1)), 2, 10)], [], closes((0, "10"), (1, "15")))
    second = StockHistory([buy(at(day(-1)), 1, 20)], [], closes((0, "20"), (1, "10")))

    report = measure_performance([first, second], day(0), day(1))

    assert values(report) == [40, 40]
    assert report.time_weighted_return == 0
