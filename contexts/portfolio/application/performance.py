"""Daily valuation of the holdings over a period, and its time- and money-weighted returns.

Definitions (API.md "Performance"; calendar days in UTC, day 0 = ``start``):

- ``V_t`` = Σ over stocks of the quantity held at the end of day t (splits
  effective on or before t applied) × the stock's price on t: its latest close
  on or before t, or, when it has no close on or before t, the price of its
  latest BUY or SELL on or before t (latest in replay order). Both prices are
  taken as traded, never converted across a split (see below).
- ``in_t`` = Σ BUY on t of (amount + fee + tax);
  ``out_t`` = Σ SELL on t of (amount − fee − tax) + Σ DIVIDEND on t of (amount − tax).
- ``r_t = (V_t + out_t) / (V_{t−1} + in_t) − 1`` for t in (start, end], 0 where
  the denominator is 0; ``TWR = Π(1 + r_t) − 1``.
- MWR = XIRR (actual/365) of −V_start on start, ``out_t − in_t`` on each t in
  (start, end], +V_end on end.

Followed literally, including where a reader might expect otherwise:

- **Prices across a split.** The price is the latest close on or before t as
  traded, or else the latest trade price as traded, whatever splits lie between
  that price's day and t; the quantity, by contrast, has every split effective
  on or before t applied. This matches reality whenever a split's effective date
  has a close, as exchanges publish post-split closes from the ex-date on. When
  it has none (a split effective on a weekend, or a stock valued at a trade price
  before its first close), the days from the split until the next close multiply
  the post-split quantity by a pre-split price: after a 4-for-1 split, 40 shares
  × a 100 close from the day before = 4,000 where 10 shares were worth 1,000.
  That is the definition; clients check it literally.
- **FEE entries** are not flows and do not change quantities; a DIVIDEND's
  ``fee`` (zero in practice) is not part of ``out_t`` — exactly as defined.

Exactness and speed: everything that is a sum of recorded money is exact
Decimal — the flows, ``net_inflow``, ``start_value``, ``end_value`` (and so the
first and last series points) and ``gain``. Quantities are tracked exactly too
(so a closed position is worth exactly 0, never a float residue). The daily
values in between and the return chain are float64, vectorised with numpy over
the day axis: a daily series of 200 stocks over 20 years is 1.5 million
quantity × price products, which exact Decimal cannot do fast enough. Those
values are returned rounded to 15 significant digits (what float64 carries);
returns are rounded to 10 decimal places (their float error is ~1e-13). A
value with no finite decimal expansion (after a 1-for-3 split) is rounded to 34
significant digits. Most of the run time of a large report is reading the
closes: ``float(Decimal)`` costs ~0.2 µs a close (CPython formats and parses a
string), ~0.3 s for 1.5 million, and no other conversion of a Decimal is faster
(``as_integer_ratio``, scaling to an int, bulk string parsing: all measured
slower or no better). So the stock catalog hands the closes over already
converted (:class:`CloseSeries`: date ordinals and float closes as machine
arrays, packed when the prices were written), with the exact close only where
an exact value is needed: the latest on or before start, and on or before end.
Closes given as objects (:class:`DailyClose`) are converted here, one C-level
pass for the dates and one for the prices.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import partial
from itertools import repeat
from operator import attrgetter, sub
from typing import Protocol

import numpy as np
import numpy.typing as npt

from contexts.portfolio.domain.position import (
    EntryKind,
    PositionEntry,
    SplitEntry,
    fraction_to_decimal,
    replay_order,
)
from contexts.stock.contracts import CloseSeries
from shared_kernel.domain.money import EXACT

RETURN_PLACES = 10
"""Decimal places of every return in a report."""
DAYS_PER_YEAR = 365

_ZERO = Decimal(0)
_NO_DAY = np.iinfo(np.int64).max

FloatArray = npt.NDArray[np.float64]
DayArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


class DailyClose(Protocol):
    """A stock's close on one day, as traded (not split-adjusted).

    The stock context's ``ClosingPrice`` is one: callers pass what the catalog
    returns as it is, with no per-close copy.
    """

    @property
    def date(self) -> date: ...

    @property
    def close(self) -> Decimal: ...


_DATE: Callable[[DailyClose], date] = attrgetter("date")
_CLOSE: Callable[[DailyClose], Decimal] = attrgetter("close")


@dataclass(frozen=True)
class StockHistory:
    """What the performance of one stock in one portfolio is computed from.

    ``entries``: the position's BUY, SELL and DIVIDEND entries (FEE entries are
    ignored), in any order. ``closes``: the stock's daily closes, ascending by
    date, possibly empty or sparse; only those from the latest on or before the
    period's start to its end are read. Either as objects, or as the stock
    catalog's :class:`CloseSeries` for the period, read as arrays with no
    per-close work (what a large report is given).
    """

    entries: Sequence[PositionEntry]
    splits: Sequence[SplitEntry]
    closes: Sequence[DailyClose] | CloseSeries


@dataclass(frozen=True)
class SeriesPoint:
    date: date
    value: Decimal
    cumulative_return: Decimal


@dataclass(frozen=True)
class PerformanceReport:
    start: date
    end: date
    days: int
    start_value: Decimal
    end_value: Decimal
    net_inflow: Decimal
    gain: Decimal
    time_weighted_return: Decimal
    time_weighted_return_annualized: Decimal | None
    money_weighted_return: Decimal | None
    series: list[SeriesPoint]


def measure_performance(
    histories: Sequence[StockHistory], start: date, end: date
) -> PerformanceReport:
    """Value the holdings on every day from ``start`` to ``end`` (inclusive) and
    measure their returns; see the module docstring for the exact definitions.

    ``days`` = (end − start).days; the annualized TWR is
    (1 + TWR)^(365/days) − 1 when days ≥ 365 (None otherwise, and None in the
    degenerate case 1 + TWR < 0). The MWR is None when XIRR has no solution
    (no flows or values, all of one sign, start = end).
    Raises ``ValueError`` when end is before start, or closes are not ascending.
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    day_count = (end - start).days + 1
    with localcontext(EXACT):
        flows = _DailyFlows()
        values = np.zeros(day_count)
        start_value = end_value = Fraction(0)
        for history in histories:
            stock = _StockValuation(history, start, day_count, flows)
            values += stock.values
            start_value += stock.start_value
            end_value += stock.end_value
        inflow, outflow = flows.by_day()
        cumulative = _cumulative_returns(values, *_flow_arrays(day_count, inflow, outflow))
        exact_start, exact_end = fraction_to_decimal(start_value), fraction_to_decimal(end_value)
        net_inflow = sum(inflow.values(), _ZERO) - sum(outflow.values(), _ZERO)
        twr = float(cumulative[-1])
        days = day_count - 1
        return PerformanceReport(
            start=start,
            end=end,
            days=days,
            start_value=exact_start,
            end_value=exact_end,
            net_inflow=net_inflow,
            gain=exact_end - exact_start - net_inflow,
            time_weighted_return=_return(twr),
            time_weighted_return_annualized=_annualized(twr, days),
            money_weighted_return=_money_weighted_return(
                days, exact_start, exact_end, inflow, outflow
            ),
            series=_series(start, values, cumulative, exact_start, exact_end),
        )


class _DailyFlows:
    """in_t and out_t, exact, for the days in (start, end] (day indices 1 … last)."""

    def __init__(self) -> None:
        self._inflow: list[tuple[DayArray, ObjectArray]] = []
        self._outflow: list[tuple[DayArray, ObjectArray]] = []

    def add_inflow(self, days: DayArray, amounts: ObjectArray) -> None:
        self._inflow.append((days, amounts))

    def add_outflow(self, days: DayArray, amounts: ObjectArray) -> None:
        self._outflow.append((days, amounts))

    def by_day(self) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
        """Σ in_t and Σ out_t by day, for the days that have any."""
        return _sum_by_day(self._inflow), _sum_by_day(self._outflow)


def _sum_by_day(parts: list[tuple[DayArray, ObjectArray]]) -> dict[int, Decimal]:
    if not parts:
        return {}
    days = np.concatenate([part_days for part_days, _ in parts])
    amounts = np.concatenate([part_amounts for _, part_amounts in parts])
    order = np.argsort(days, kind="stable")
    days, amounts = days[order], amounts[order]
    firsts = np.flatnonzero(np.concatenate(([True], days[1:] != days[:-1])))
    sums = np.add.reduceat(amounts, firsts)
    return dict(zip(days[firsts].tolist(), sums.tolist(), strict=True))


def _flow_arrays(
    day_count: int, inflow: dict[int, Decimal], outflow: dict[int, Decimal]
) -> tuple[FloatArray, FloatArray]:
    inflows, outflows = np.zeros(day_count), np.zeros(day_count)
    for flows, array in ((inflow, inflows), (outflow, outflows)):
        if flows:
            array[list(flows)] = np.array(list(flows.values()), dtype=object).astype(np.float64)
    return inflows, outflows


_EXECUTED_AT = attrgetter("executed_at")
_KIND = attrgetter("kind")
_QUANTITY = attrgetter("quantity")
_AMOUNT = attrgetter("amount")
_FEE = attrgetter("fee")
_TAX = attrgetter("tax")
_DAYS = attrgetter("days")
_KIND_CODES = {EntryKind.BUY: 1, EntryKind.SELL: -1, EntryKind.DIVIDEND: 2, EntryKind.FEE: 0}


def _decimals(entries: ObjectArray, field: attrgetter[Decimal]) -> ObjectArray:
    return np.fromiter(map(field, entries), dtype=object, count=len(entries))


class _StockValuation:
    """One stock's daily values over the period (float) and its exact start and end values.

    Records the stock's flows into ``flows``. Entries are read column by column
    (C-level ``map`` over attribute getters, object arrays of Decimals) rather
    than in a Python loop: that is what keeps 100,000 entries cheap.
    """

    def __init__(
        self, history: StockHistory, start: date, day_count: int, flows: _DailyFlows
    ) -> None:
        last_day = day_count - 1
        axis: DayArray = np.arange(day_count, dtype=np.int64)
        splits = _SplitCalendar(history.splits, start, last_day)
        closes = _Closes.of(history.closes, start, last_day)

        count = len(history.entries)
        entries: ObjectArray = np.fromiter(history.entries, dtype=object, count=count)
        origin = datetime.combine(start, time(), UTC)
        elapsed = map(sub, map(_EXECUTED_AT, entries), repeat(origin))
        days: DayArray = np.fromiter(map(_DAYS, elapsed), np.int64, count)
        kinds = np.fromiter(map(_KIND_CODES.__getitem__, map(_KIND, entries)), np.int8, count)
        in_period = days <= last_day
        self._record_flows(entries, days, kinds, in_period & (days > 0), flows)

        trades = np.flatnonzero(in_period & ((kinds == 1) | (kinds == -1)))
        order = np.argsort(days[trades], kind="stable")
        trades = trades[order]
        trade_days = days[trades]
        quantities = _decimals(entries[trades], _QUANTITY)
        deltas = np.where(kinds[trades] > 0, quantities, -quantities)
        quantity = _QuantitySteps(trade_days, deltas, splits)

        fallback = trade_days < closes.first_day
        self.last_trades = _latest_trade_by_day(trade_days[fallback], entries[trades[fallback]])
        self.values: FloatArray = quantity.on_days(axis) * self._prices(axis, closes)
        self.start_value = quantity.exact_on(0) * self._exact_price(closes.at_start, 0)
        self.end_value = quantity.exact_on(last_day) * self._exact_price(closes.at_end, last_day)

    @staticmethod
    def _record_flows(
        entries: ObjectArray,
        days: DayArray,
        kinds: npt.NDArray[np.int8],
        in_flow_days: npt.NDArray[np.bool_],
        flows: _DailyFlows,
    ) -> None:
        buys = np.flatnonzero(in_flow_days & (kinds == 1))
        if len(buys):
            bought = entries[buys]
            flows.add_inflow(
                days[buys],
                _decimals(bought, _AMOUNT) + _decimals(bought, _FEE) + _decimals(bought, _TAX),
            )
        sells = np.flatnonzero(in_flow_days & (kinds == -1))
        if len(sells):
            sold = entries[sells]
            flows.add_outflow(
                days[sells],
                _decimals(sold, _AMOUNT) - _decimals(sold, _FEE) - _decimals(sold, _TAX),
            )
        dividends = np.flatnonzero(in_flow_days & (kinds == 2))
        if len(dividends):
            paid = entries[dividends]
            flows.add_outflow(days[dividends], _decimals(paid, _AMOUNT) - _decimals(paid, _TAX))

    def _prices(self, axis: DayArray, closes: _Closes) -> FloatArray:
        """Price on every day, as traded; 0 where there is none (nothing is held)."""
        price = np.zeros(len(axis))
        at = closes.latest_by_day(len(axis))
        priced_from = int(np.searchsorted(at, 0))
        price[priced_from:] = closes.prices[at[priced_from:]]
        if priced_from and self.last_trades:
            trade_days = np.array(list(self.last_trades), dtype=np.int64)
            trade_prices = np.array([_trade_price(trade) for trade in self.last_trades.values()])
            at = np.searchsorted(trade_days, axis[:priced_from], side="right") - 1
            traded = at >= 0
            price[:priced_from][traded] = trade_prices[at[traded]]
        return price

    def _exact_price(self, close: Decimal | None, day: int) -> Fraction:
        """``close`` (the latest close on or before ``day``), else the latest trade price."""
        if close is not None:
            return Fraction(close)
        trade_days = [trade_day for trade_day in self.last_trades if trade_day <= day]
        if not trade_days:
            return Fraction(0)
        trade = self.last_trades[trade_days[-1]]
        assert trade.price is not None
        return Fraction(trade.price)


def _latest_trade_by_day(days: DayArray, trades: ObjectArray) -> dict[int, PositionEntry]:
    """The last trade (in replay order) of each day, by ascending day."""
    latest: dict[int, PositionEntry] = {}
    for day, trade in zip(days.tolist(), trades.tolist(), strict=True):
        known = latest.get(day)
        if known is None or replay_order(known) < replay_order(trade):
            latest[day] = trade
    return latest


def _trade_price(trade: PositionEntry) -> float:
    assert trade.price is not None
    return float(trade.price)


class _SplitCalendar:
    """The stock's splits by day index (only those effective on or before the last day)."""

    def __init__(self, splits: Sequence[SplitEntry], start: date, last_day: int) -> None:
        start_ordinal = start.toordinal()
        by_day: dict[int, Fraction] = {}
        for split in splits:
            day = split.effective_date.toordinal() - start_ordinal
            if day <= last_day:
                by_day[day] = by_day.get(day, Fraction(1)) * split.ratio
        self.ratios = dict(sorted(by_day.items()))
        self.days: DayArray = np.array(list(self.ratios), dtype=np.int64)


class _Closes:
    """The closes that matter for the period: the latest on or before start, and those up to end.

    ``days`` are day indices (day 0 = start), ``prices`` the closes as floats;
    the exact Decimal is kept only for the days that need it: the latest close
    on or before start (``at_start``) and on or before end (``at_end``).
    """

    def __init__(
        self, days: DayArray, prices: FloatArray, at_start: Decimal | None, at_end: Decimal | None
    ) -> None:
        if len(days) > 1 and bool(np.any(days[1:] < days[:-1])):
            raise ValueError("closes must be in ascending date order")
        self.days = days
        self.prices = prices
        self.at_start = at_start
        self.at_end = at_end
        self.first_day = int(days[0]) if len(days) else _NO_DAY

    def latest_by_day(self, day_count: int) -> DayArray:
        """The index of the latest close on or before each day, −1 before the first.

        A forward fill in one pass over the days: several times faster than a
        binary search per day. Each close is placed on its day (the one on or
        before start on day 0; of closes on one day, the last), then carried on.
        """
        latest = np.full(day_count, -1, dtype=np.int64)
        last_of_day = np.ones(len(self.days), dtype=np.bool_)
        last_of_day[:-1] = self.days[1:] != self.days[:-1]
        latest[np.maximum(self.days[last_of_day], 0)] = np.flatnonzero(last_of_day)
        filled: DayArray = np.maximum.accumulate(latest)
        return filled

    @classmethod
    def of(cls, closes: Sequence[DailyClose] | CloseSeries, start: date, last_day: int) -> _Closes:
        if isinstance(closes, CloseSeries):
            return cls._of_series(closes, start, last_day)
        end = start + timedelta(days=last_day)
        first = max(bisect_right(closes, start, key=_DATE) - 1, 0)
        window = closes[first : bisect_right(closes, end, key=_DATE)]
        count = len(window)
        ordinals = np.fromiter(map(date.toordinal, map(_DATE, window)), np.int64, count)
        prices = np.fromiter(map(float, map(_CLOSE, window)), float, count)
        at_start = window[0].close if count and window[0].date <= start else None
        at_end = window[-1].close if count else None
        return cls(ordinals - start.toordinal(), prices, at_start, at_end)

    @classmethod
    def _of_series(cls, series: CloseSeries, start: date, last_day: int) -> _Closes:
        """The catalog's arrays as they are: no per-close work at all."""
        days = np.asarray(series.dates, dtype=np.int64) - start.toordinal()
        if not len(days) or days[-1] > last_day or (len(days) > 1 and days[1] <= 0):
            raise ValueError(
                "a close series must run from the latest close on or before start "
                "to the latest on or before end"
            )
        at_start = series.opening.close if series.opening is not None else None
        return cls(days, np.asarray(series.closes), at_start, series.closing.close)


class _QuantitySteps:
    """The quantity held, exact, after each day on which it changes (trades or splits).

    Between splits the running quantity is a cumulative sum of exact Decimals
    (``np.cumsum`` over an object array). A split multiplies it as a Fraction;
    when the result has no finite decimal expansion (1-for-3) the Fraction is
    carried beside the Decimal sum, so Fraction arithmetic happens once per
    split, never per trade.
    """

    def __init__(self, trade_days: DayArray, deltas: ObjectArray, splits: _SplitCalendar) -> None:
        day_parts: list[DayArray] = [np.empty(0, dtype=np.int64)]
        decimal_parts: list[ObjectArray] = [np.empty(0, dtype=object)]
        fraction_parts: list[Fraction] = []
        carried_decimal, carried_fraction = _ZERO, Fraction(0)
        carries_fraction = False

        def add_trades(begin: int, end: int) -> None:
            nonlocal carried_decimal
            if end > begin:
                running = _running_sum(carried_decimal, deltas[begin:end])
                day_parts.append(trade_days[begin:end])
                decimal_parts.append(running)
                fraction_parts.extend([carried_fraction] * (end - begin))
                carried_decimal = running[-1]

        begin = 0
        bounds = np.searchsorted(trade_days, splits.days, side="left").tolist()
        for bound, (split_day, ratio) in zip(bounds, splits.ratios.items(), strict=True):
            add_trades(begin, bound)  # the trades before the split's day
            begin = bound
            total = (Fraction(carried_decimal) + carried_fraction) * ratio
            if _has_finite_decimal_expansion(total):
                carried_decimal, carried_fraction = fraction_to_decimal(total), Fraction(0)
            else:
                carried_decimal, carried_fraction = _ZERO, total
                carries_fraction = True
            day_parts.append(np.array([split_day], dtype=np.int64))
            decimal_parts.append(_running_sum(carried_decimal, np.empty(0, dtype=object)))
            fraction_parts.append(carried_fraction)
        add_trades(begin, len(trade_days))
        days = np.concatenate(day_parts)
        # the quantity at the end of a day is the one after its last change
        last_of_day = np.ones(len(days), dtype=np.bool_)
        last_of_day[:-1] = days[1:] != days[:-1]
        self.days: DayArray = days[last_of_day]
        self.decimals: ObjectArray = np.concatenate(decimal_parts)[last_of_day]
        self.fractions: list[Fraction] | None = None
        floats = self.decimals.astype(np.float64)
        if carries_fraction:
            self.fractions = [fraction_parts[at] for at in np.flatnonzero(last_of_day).tolist()]
            floats += np.array([float(fraction) for fraction in self.fractions])
        self.floats: FloatArray = np.concatenate(([0.0], floats))

    def on_days(self, days: DayArray) -> FloatArray:
        result: FloatArray = self.floats[np.searchsorted(self.days, days, side="right")]
        return result

    def exact_on(self, day: int) -> Fraction:
        at = int(np.searchsorted(self.days, day, side="right")) - 1
        if at < 0:
            return Fraction(0)
        carried = self.fractions[at] if self.fractions else Fraction(0)
        return Fraction(self.decimals[at]) + carried


def _running_sum(start: Decimal, deltas: ObjectArray) -> ObjectArray:
    """start + the cumulative sums of ``deltas`` (exact Decimals); [start] when there are none."""
    terms = np.empty(len(deltas) + 1, dtype=object)
    terms[0] = start
    terms[1:] = deltas
    running: ObjectArray = np.cumsum(terms)
    return running[1:] if len(deltas) else running


def _has_finite_decimal_expansion(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _cumulative_returns(values: FloatArray, inflow: FloatArray, outflow: FloatArray) -> FloatArray:
    """Π(1 + r_t) − 1 up to each day; 0 on the first."""
    numerator = values[1:] + outflow[1:]
    denominator = values[:-1] + inflow[1:]
    growth = np.ones_like(numerator)
    np.divide(numerator, denominator, out=growth, where=denominator != 0)
    cumulative: FloatArray = np.concatenate(([0.0], np.cumprod(growth) - 1.0))
    return cumulative


def _return(value: float) -> Decimal:
    rounded = Decimal(f"{value:.{RETURN_PLACES}f}")
    return rounded if rounded else abs(rounded)


def _annualized(twr: float, days: int) -> Decimal | None:
    if days < DAYS_PER_YEAR or 1.0 + twr < 0 or not math.isfinite(twr):
        return None
    return _return((1.0 + twr) ** (DAYS_PER_YEAR / days) - 1.0)


def _money_weighted_return(
    last_day: int,
    start_value: Decimal,
    end_value: Decimal,
    inflow: dict[int, Decimal],
    outflow: dict[int, Decimal],
) -> Decimal | None:
    if last_day == 0:
        return None
    amounts = dict(outflow)
    for day, amount in inflow.items():
        amounts[day] = amounts.get(day, _ZERO) - amount
    amounts[0] = -start_value
    amounts[last_day] = amounts.get(last_day, _ZERO) + end_value
    days = sorted(day for day, amount in amounts.items() if amount)
    rate = annual_rate(
        np.array(days, dtype=np.float64) / DAYS_PER_YEAR,
        np.array([float(amounts[day]) for day in days]),
    )
    return None if rate is None else _return(rate)


_LOG_GROWTH_GRID: tuple[float, ...] = tuple(
    sorted(
        {
            0.0,
            *(1e-4 * 2 ** (k / 4) for k in range(97)),
            *(-1e-4 * 2 ** (k / 4) for k in range(161)),
        }
    )
)
"""Where ``annual_rate`` looks for the present value to change sign: x = ln(1 + r)
from ±0.0001 out to 1,678 (beyond a float's e^709) and to −1.1 × 10^8 (a loss of
all but 10^−130,000 in a day), in steps of a fourth of an octave, finest near 0."""
_LARGEST_LOG_GROWTH = math.log(np.finfo(np.float64).max)


def annual_rate(years: FloatArray, amounts: FloatArray) -> float | None:
    """The rate r at which ``amounts``, paid ``years`` after the first day, have a
    present value of zero (XIRR, actual/365), the one nearest to 0 where several
    do; None when there is none, or when it is too large for a float.

    It is sought as x = ln(1 + r), where the present value Σ aᵢ·e^(−x·tᵢ) is
    smooth for every x, however close r comes to −1 (a loss of nearly everything
    in days is an annual rate of −1 + 10^−20; a search over r itself, as pyxirr's,
    found none there). The sign changes of the present value over a grid of x
    bracket the rates. Two rates within one step of the grid leave both its ends
    of one sign: where the slope turns within a step, the turn is found and
    added, so they are bracketed too (not where it turns more than once within
    a step: then a rate further from 0 may be given). The brackets nearest to 0
    are narrowed by bisection down to adjacent floats.
    """
    if not (amounts > 0).any() or not (amounts < 0).any():
        return None
    value_sign = partial(_sign_of_sum, amounts, years)
    slope_sign = partial(_sign_of_sum, -amounts * years, years)
    points = [_LOG_GROWTH_GRID[0]]
    signs = [value_sign(points[0])]
    slope = slope_sign(points[0])
    for point in _LOG_GROWTH_GRID[1:]:
        point_sign, point_slope = value_sign(point), slope_sign(point)
        if point_sign == signs[-1] != 0 and point_slope * slope < 0:
            turn = _sign_change(slope_sign, points[-1], point)
            points.append(turn)
            signs.append(value_sign(turn))
        points.append(point)
        signs.append(point_sign)
        slope = point_slope
    brackets = [
        (points[i], points[i + 1])
        for i in range(len(points) - 1)
        if signs[i] == 0 or signs[i] != signs[i + 1]
    ]
    if signs[-1] == 0:
        brackets.append((points[-1], points[-1]))
    if not brackets:
        return None
    brackets.sort(key=lambda bracket: min(abs(bracket[0]), abs(bracket[1])))
    log_growth = _sign_change(value_sign, *brackets[0])
    for low, high in brackets[1:]:  # one reaching nearer to 0 may hold a nearer rate
        if min(abs(low), abs(high)) >= abs(log_growth):
            break
        if abs(rate := _sign_change(value_sign, low, high)) < abs(log_growth):
            log_growth = rate
    if log_growth > _LARGEST_LOG_GROWTH:
        return None
    return math.expm1(log_growth)


def _sign_of_sum(weights: FloatArray, years: FloatArray, log_growth: float) -> float:
    """The sign of Σ wᵢ·e^(−x·tᵢ) at x = ``log_growth``, each term taken relative to
    the largest, which no x makes overflow."""
    exponents = -log_growth * years
    return float(np.sign(np.dot(weights, np.exp(exponents - exponents.max()))))


def _sign_change(sign: Callable[[float], float], low: float, high: float) -> float:
    """Where ``sign`` changes between ``low`` and ``high`` (of other signs, or ``low``
    where it is 0), narrowed by bisection down to adjacent floats."""
    low_sign = sign(low)
    while low_sign and low < (middle := (low + high) / 2) < high:
        middle_sign = sign(middle)
        if middle_sign == 0:
            return middle
        if middle_sign == low_sign:
            low = middle
        else:
            high = middle
    return low if low_sign == 0 else (low + high) / 2


def _series(
    start: date,
    values: FloatArray,
    cumulative: FloatArray,
    start_value: Decimal,
    end_value: Decimal,
) -> list[SeriesPoint]:
    start_ordinal = start.toordinal()
    points = [
        SeriesPoint(date.fromordinal(start_ordinal + day), Decimal(f"{value:.15g}"), _return(cum))
        for day, (value, cum) in enumerate(zip(values.tolist(), cumulative.tolist(), strict=True))
    ]
    points[0] = SeriesPoint(start, start_value, points[0].cumulative_return)
    last = points[-1]
    points[-1] = SeriesPoint(last.date, end_value, last.cumulative_return)
    return points
