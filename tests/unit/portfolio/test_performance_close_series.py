"""Closes handed over as the catalog's ``CloseSeries`` value exactly as closes given as objects."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.portfolio.application.performance import (
    DailyClose,
    StockHistory,
    measure_performance,
)
from contexts.stock.contracts import CloseSeries, ClosingPrice
from tests.unit.portfolio.position_entries import at, buy
from tests.unit.portfolio.test_performance import closes, day, generated_histories

D = Decimal


def close_series(stock_closes: Sequence[DailyClose], start: date, end: date) -> CloseSeries | None:
    """What the catalog answers for the period: from the latest close on or before start."""
    first = max(bisect_right(stock_closes, start, key=lambda close: close.date) - 1, 0)
    window = stock_closes[first : bisect_right(stock_closes, end, key=lambda close: close.date)]
    if not window:
        return None
    return CloseSeries(
        dates=array("i", [close.date.toordinal() for close in window]),
        closes=array("d", [float(close.close) for close in window]),
        opening=ClosingPrice(window[0].date, window[0].close) if window[0].date <= start else None,
        closing=ClosingPrice(window[-1].date, window[-1].close),
    )


def as_series(histories: list[StockHistory], start: date, end: date) -> list[StockHistory]:
    converted = []
    for history in histories:
        assert not isinstance(history.closes, CloseSeries)
        series = close_series(history.closes, start, end)
        converted.append(StockHistory(history.entries, history.splits, series or []))
    return converted


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    start_offset=st.integers(-250, 900),
    length=st.integers(0, 900),
)
def test_a_series_gives_the_same_report_as_objects(
    seed: int, start_offset: int, length: int
) -> None:
    histories, first, _ = generated_histories(seed)
    start = first + timedelta(days=start_offset)
    end = start + timedelta(days=length)

    from_objects = measure_performance(histories, start, end)
    from_series = measure_performance(as_series(histories, start, end), start, end)

    assert from_series == from_objects


def test_the_exact_opening_and_closing_value_the_ends() -> None:
    # 1/3 has no exact float: only the ends' Decimals make the start and end values exact
    stock_closes = closes((-5, "0.3333333333333333333333333333"), (2, "7.1"), (4, "0.1"))
    entries = [buy(at(day(-10)), 3, 1)]
    series = close_series(stock_closes, day(0), day(5))
    assert series is not None
    assert series.opening is not None

    report = measure_performance([StockHistory(entries, [], series)], day(0), day(5))

    assert report.start_value == D("0.9999999999999999999999999999")
    assert report.end_value == D("0.3")


def test_a_series_must_start_at_the_latest_close_on_or_before_start() -> None:
    series = close_series(closes((-3, "10"), (-1, "11"), (2, "12")), day(-5), day(5))
    assert series is not None

    with pytest.raises(ValueError, match="from the latest close on or before start"):
        measure_performance([StockHistory([], [], series)], day(0), day(5))


def test_a_series_must_end_by_the_end() -> None:
    series = close_series(closes((0, "10"), (6, "11")), day(0), day(6))
    assert series is not None

    with pytest.raises(ValueError, match="to the latest on or before end"):
        measure_performance([StockHistory([], [], series)], day(0), day(5))


@settings(max_examples=50, deadline=None)
@given(
    days_and_closes=st.lists(
        st.tuples(st.integers(-5, 12), st.decimals(min_value=1, max_value=500, places=2)),
        max_size=25,
    ),
    start=st.integers(-3, 4),
)
def test_of_closes_given_on_one_day_the_last_counts(
    days_and_closes: list[tuple[int, Decimal]], start: int
) -> None:
    given_closes = closes(
        *sorted(
            ((offset, str(close)) for offset, close in days_and_closes), key=lambda pair: pair[0]
        )
    )
    last_of_each_day = list({close.date: close for close in given_closes}.values())
    entries = [buy(at(day(-6)), 4, 3)]

    with_repeats = measure_performance(
        [StockHistory(entries, [], given_closes)], day(start), day(10)
    )
    without = measure_performance(
        [StockHistory(entries, [], last_of_each_day)], day(start), day(10)
    )

    assert with_repeats == without
