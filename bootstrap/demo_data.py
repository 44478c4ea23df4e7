"""Generated data for the demo (``stockbook seed-demo``) and the benchmarks.

Pure functions of a seeded ``random.Random``: the same seed and arguments give
the same data. Money is ``Decimal`` throughout; the only float is the normal
variate ``random.gauss`` draws, taken at once as a whole number of millionths.

- ``DEMO_STOCKS``: ten real-looking tickers across the GICS sectors, and
  ``synthetic_stocks(n)``: as many made-up ones as a benchmark needs.
- ``price_walk``: daily closes on business days (Monday to Friday), a
  geometric random walk rounded to the cent, as traded: on a split's
  effective date the price drops by the split ratio.
- ``portfolio_history``: a portfolio's transactions — deposits, buys, sells
  that never oversell (and always leave a share), dividends with withholding
  tax, fees — ready for the CSV import (``history_csv``).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, localcontext
from fractions import Fraction

from contexts.stock.application.catalog import RegisterStock
from contexts.stock.domain.gics import INDUSTRY_GROUPS_BY_SECTOR
from contexts.transaction.application.csv_format import TRANSACTION_CSV_COLUMNS

CENT = Decimal("0.01")
TRADING_DAYS_PER_YEAR = 252
WITHHOLDING_TAX_RATE = Decimal("0.15")
"""Tax withheld on every dividend."""
TRADE_FEE = Decimal("1.00")
"""Broker commission on a buy or a sell."""
ANNUAL_FEE = Decimal("25.00")
"""Custody fee charged at the first transaction of each new year."""

_MONEY = Context(prec=28, rounding=ROUND_HALF_EVEN)
_MAX_DAILY_MOVE = Decimal("0.5")


@dataclass(frozen=True)
class StockSpec:
    """A stock to register, and the parameters of its price walk."""

    symbol: str
    name: str
    sector: str
    industry_group: str
    exchange: str
    start_price: Decimal
    drift: Decimal
    """Expected annual return of the walk (0.08 is 8 % a year)."""
    volatility: Decimal
    """Annual volatility of the walk (0.25 is 25 %)."""
    dividend_yield: Decimal = Decimal(0)
    """Annual dividend as a fraction of the price; 0 pays none."""

    def registration(self, notes: str | None = None) -> RegisterStock:
        """The catalog command that registers this stock."""
        return RegisterStock(
            symbol=self.symbol,
            name=self.name,
            sector=self.sector,
            industry_group=self.industry_group,
            exchange=self.exchange,
            notes=notes,
        )


@dataclass(frozen=True)
class SplitSpec:
    symbol: str
    effective_date: date
    numerator: int
    denominator: int

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)


@dataclass(frozen=True)
class HistoryRow:
    """One transaction, in the terms of the CSV import (the stock by symbol)."""

    executed_at: datetime
    type: str
    symbol: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    fee: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    notes: str | None = None
    external_id: str | None = None


def _d(text: str) -> Decimal:
    return Decimal(text)


DEMO_STOCKS: tuple[StockSpec, ...] = (
    StockSpec(
        "AAPL",
        "Apple Inc.",
        "Information Technology",
        "Technology Hardware & Equipment",
        "NASDAQ",
        _d("132.50"),
        _d("0.14"),
        _d("0.28"),
        _d("0.005"),
    ),
    StockSpec(
        "MSFT",
        "Microsoft Corporation",
        "Information Technology",
        "Software & Services",
        "NASDAQ",
        _d("222.40"),
        _d("0.13"),
        _d("0.26"),
        _d("0.008"),
    ),
    StockSpec(
        "NVDA",
        "NVIDIA Corporation",
        "Information Technology",
        "Semiconductors & Semiconductor Equipment",
        "NASDAQ",
        _d("130.55"),
        _d("0.30"),
        _d("0.45"),
        _d("0.0005"),
    ),
    StockSpec(
        "AMZN",
        "Amazon.com, Inc.",
        "Consumer Discretionary",
        "Consumer Discretionary Distribution & Retail",
        "NASDAQ",
        _d("162.85"),
        _d("0.12"),
        _d("0.33"),
    ),
    StockSpec(
        "JPM",
        "JPMorgan Chase & Co.",
        "Financials",
        "Banks",
        "NYSE",
        _d("126.90"),
        _d("0.10"),
        _d("0.25"),
        _d("0.028"),
    ),
    StockSpec(
        "JNJ",
        "Johnson & Johnson",
        "Health Care",
        "Pharmaceuticals, Biotechnology & Life Sciences",
        "NYSE",
        _d("157.38"),
        _d("0.05"),
        _d("0.17"),
        _d("0.027"),
    ),
    StockSpec(
        "XOM",
        "Exxon Mobil Corporation",
        "Energy",
        "Energy",
        "NYSE",
        _d("41.50"),
        _d("0.09"),
        _d("0.30"),
        _d("0.034"),
    ),
    StockSpec(
        "PG",
        "The Procter & Gamble Company",
        "Consumer Staples",
        "Household & Personal Products",
        "NYSE",
        _d("139.14"),
        _d("0.06"),
        _d("0.16"),
        _d("0.024"),
    ),
    StockSpec(
        "CAT",
        "Caterpillar Inc.",
        "Industrials",
        "Capital Goods",
        "NYSE",
        _d("182.02"),
        _d("0.11"),
        _d("0.27"),
        _d("0.018"),
    ),
    StockSpec(
        "NEE",
        "NextEra Energy, Inc.",
        "Utilities",
        "Utilities",
        "NYSE",
        _d("77.15"),
        _d("0.04"),
        _d("0.22"),
        _d("0.026"),
    ),
)

DEMO_SPLIT_SYMBOL = "NVDA"
DEMO_SPLIT_RATIO = (4, 1)


def demo_period(today: date, years: int) -> tuple[date, date]:
    """The demo's first and last day: from 1 January ``years`` years back to yesterday.

    Anchored to the start of a year so that seeding again later the same
    year generates the same prices for the days already generated.
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    return date(today.year - years, 1, 1), today - timedelta(days=1)


def demo_split(first: date, last: date) -> SplitSpec:
    """The demo's one split: NVDA 4-for-1, effective on the first business day
    from 10 June of the period's middle year (or its last day, if none)."""
    middle = max(date((first.year + last.year) // 2, 6, 10), first + timedelta(days=1))
    effective = next(iter(business_days(middle, last)), last)
    return SplitSpec(DEMO_SPLIT_SYMBOL, effective, *DEMO_SPLIT_RATIO)


def synthetic_stocks(count: int, rng: random.Random) -> list[StockSpec]:
    """``count`` made-up stocks (symbols ``QAAA``, ``QAAB``, …) spread over every GICS
    industry group, for benchmarks that need more than the demo's ten."""
    if not 0 <= count <= 26**3:
        raise ValueError(f"count must be from 0 to {26**3}")
    groups = [
        (sector, group)
        for sector, sector_groups in INDUSTRY_GROUPS_BY_SECTOR.items()
        for group in sector_groups
    ]
    stocks: list[StockSpec] = []
    for index in range(count):
        sector, group = groups[index % len(groups)]
        stocks.append(
            StockSpec(
                symbol=_synthetic_symbol(index),
                name=f"{group.split(',')[0].split(' &')[0]} Company {index + 1:04d}",
                sector=sector,
                industry_group=group,
                exchange=rng.choice(("NYSE", "NASDAQ")),
                start_price=Decimal(rng.randint(1_000, 30_000)) * CENT,
                drift=Decimal(rng.randint(-2, 15)) / 100,
                volatility=Decimal(rng.randint(15, 45)) / 100,
                dividend_yield=Decimal(rng.choice((0, 0, 10, 20, 30))) / 1000,
            )
        )
    return stocks


def _synthetic_symbol(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    high, rest = divmod(index, 26 * 26)
    middle, low = divmod(rest, 26)
    return "Q" + letters[high] + letters[middle] + letters[low]


def stock_rng(seed: int, symbol: str) -> random.Random:
    """A generator of its own for each stock's walk: a stock's prices depend only on
    the seed, its symbol and the days, not on which other stocks are generated."""
    return random.Random(f"{seed}:{symbol}")


def business_days(first: date, last: date) -> list[date]:
    """Monday to Friday from ``first`` to ``last`` inclusive (no holidays)."""
    days: list[date] = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def price_walk(
    rng: random.Random,
    days: Sequence[date],
    spec: StockSpec,
    splits: Sequence[SplitSpec] = (),
) -> list[tuple[date, Decimal]]:
    """Daily closes on ``days``: a geometric random walk from ``spec.start_price``.

    Each day the price moves by ``drift/252 + volatility/√252 × Z`` (Z standard
    normal, a daily move capped at ±50 %). Closes are rounded to the cent and
    never below 0.01. Prices are as traded: from a split's effective date on,
    they are divided by its ratio.
    """
    pending = sorted((s for s in splits if s.symbol == spec.symbol), key=lambda s: s.effective_date)
    closes: list[tuple[date, Decimal]] = []
    gauss = rng.gauss
    with localcontext(_MONEY):
        daily_drift = spec.drift / TRADING_DAYS_PER_YEAR
        # Z is drawn to six decimal places: an integer number of millionths.
        volatility_per_millionth = spec.volatility / Decimal(TRADING_DAYS_PER_YEAR).sqrt() / 10**6
        level = spec.start_price
        for day in days:
            while pending and pending[0].effective_date <= day:
                split = pending.pop(0)
                level = level * split.denominator / split.numerator
            close = level.quantize(CENT)
            closes.append((day, close if close >= CENT else CENT))
            move = daily_drift + volatility_per_millionth * round(gauss(0.0, 1.0) * 10**6)
            if move > _MAX_DAILY_MOVE:
                move = _MAX_DAILY_MOVE
            elif move < -_MAX_DAILY_MOVE:
                move = -_MAX_DAILY_MOVE
            level = level * (1 + move)
    return closes


def _cents(value: Decimal | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        value = _MONEY.divide(Decimal(value.numerator), Decimal(value.denominator))
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _whole(value: Decimal | Fraction) -> int:
    """Whole shares in ``value`` (rounded down)."""
    if isinstance(value, Fraction):
        return value.numerator // value.denominator
    return int(value.to_integral_value(rounding=ROUND_DOWN))


def portfolio_history(
    rng: random.Random,
    closes: Mapping[str, Sequence[tuple[date, Decimal]]],
    transactions: int,
    *,
    splits: Sequence[SplitSpec] = (),
    dividend_yields: Mapping[str, Decimal] | None = None,
    first: date | None = None,
    last: date | None = None,
    initial_deposit: Decimal = Decimal("20000.00"),
    monthly_deposit: Decimal = Decimal("1500.00"),
    buy_every_stock_first: bool = False,
    id_prefix: str = "demo",
) -> list[HistoryRow]:
    """``transactions`` transactions over the trading days of ``closes`` (those from
    ``first`` to ``last``), spread evenly, oldest first, each at 14:00 UTC plus a
    second for each earlier transaction of the same day.

    The first is a deposit. Then: the annual custody fee at the first
    transaction of each new year, a savings deposit at the first of each month,
    and otherwise sells (at most half of a position, always leaving a share),
    dividends of held stocks (a quarter of their yearly yield, 15 % withheld) and
    buys (whole shares from the cash, 1.00 commission; a top-up deposit when the
    cash is short). Trade prices are the day's close. A split multiplies the
    shares held from its effective date on, as the ledger does, so no sale ever
    sells more than is held at any moment.

    ``buy_every_stock_first`` buys every stock right after the first deposit
    (made large enough), so that every stock is held from then on. External ids
    are ``<id_prefix>-000001``, …: importing the history again skips every row.
    """
    symbols = sorted(closes)
    if not symbols:
        raise ValueError("closes must name at least one stock")
    minimum = 1 + (len(symbols) if buy_every_stock_first else 0)
    if transactions < minimum:
        raise ValueError(f"transactions must be at least {minimum}")
    by_day: dict[str, dict[date, Decimal]] = {symbol: dict(closes[symbol]) for symbol in symbols}
    days = sorted(
        {
            day
            for series in closes.values()
            for day, _ in series
            if (first is None or day >= first) and (last is None or day <= last)
        }
    )
    if not days:
        raise ValueError("no trading day in the period")
    yields = dividend_yields or {}
    history = _History(id_prefix)
    first_day = days[0]
    # Shares bought on a split's effective date are already in the new units.
    pending = [
        s for s in sorted(splits, key=lambda s: s.effective_date) if s.effective_date > first_day
    ]

    if buy_every_stock_first:
        tradable = [symbol for symbol in symbols if first_day in by_day[symbol]]
        budget = initial_deposit / max(len(tradable), 1)
        plan = {s: max(1, _whole(budget / by_day[s][first_day])) for s in tradable}
        needed = sum((by_day[s][first_day] * q + TRADE_FEE for s, q in plan.items()), Decimal(0))
        history.deposit(
            first_day, max(initial_deposit, _cents(needed * Decimal("1.1"))), "initial deposit"
        )
        for symbol, quantity in plan.items():
            history.buy(first_day, symbol, quantity, by_day[symbol][first_day])
    else:
        history.deposit(first_day, initial_deposit, "initial deposit")

    year, month = first_day.year, (first_day.year, first_day.month)
    priced_day: date | None = None
    priced: list[str] = []
    paid: dict[str, tuple[int, int]] = {}
    """The quarter of each stock's last dividend: one a quarter."""
    slots = transactions - len(history.rows)
    for slot in range(slots):
        day = days[min(len(days) - 1, (slot + 1) * len(days) // (slots + 1))]
        while pending and pending[0].effective_date <= day:
            history.split(pending.pop(0))
        if day.year != year:
            year = day.year
            history.fee(day, ANNUAL_FEE, "annual custody fee")
            continue
        if (day.year, day.month) != month:
            month = (day.year, day.month)
            history.deposit(day, monthly_deposit, "monthly savings")
            continue
        if day != priced_day:
            priced_day, priced = day, [symbol for symbol in symbols if day in by_day[symbol]]
        draw = rng.random()
        if draw < 0.20:
            sellable = [s for s in priced if history.whole.get(s, 0) >= 2]
            if sellable:
                symbol = rng.choice(sellable)
                quantity = rng.randint(1, history.whole[symbol] // 2)
                history.sell(day, symbol, quantity, by_day[symbol][day])
                continue
        elif draw < 0.30:
            quarter = (day.year, (day.month - 1) // 3)
            payers = [
                s
                for s in priced
                if history.whole.get(s) and yields.get(s, 0) > 0 and paid.get(s) != quarter
            ]
            if payers:
                symbol = rng.choice(payers)
                yearly = history.held[symbol] * Fraction(by_day[symbol][day] * yields[symbol])
                amount = _cents(yearly / 4)
                if amount >= CENT:
                    paid[symbol] = quarter
                    history.dividend(day, symbol, amount)
                    continue
        if priced:
            symbol = rng.choice(priced)
            price = by_day[symbol][day]
            budget = history.cash * rng.randint(5, 25) / 100 - TRADE_FEE
            quantity = _whole(budget / price) if budget > 0 else 0
            if quantity >= 1:
                history.buy(day, symbol, quantity, price)
                continue
        history.deposit(day, monthly_deposit, "top-up")
    return history.rows


class _History:
    """The rows written so far, and the cash and shares they leave."""

    def __init__(self, id_prefix: str) -> None:
        self.rows: list[HistoryRow] = []
        self.cash = Decimal(0)
        self.held: dict[str, Fraction] = {}
        self.whole: dict[str, int] = {}
        """Whole shares of ``held``."""
        self._id_prefix = id_prefix
        self._last_day: date | None = None
        self._second = 0

    def _add(
        self,
        day: date,
        row_type: str,
        symbol: str | None = None,
        quantity: int | None = None,
        price: Decimal | None = None,
        amount: Decimal | None = None,
        fee: Decimal = Decimal(0),
        tax: Decimal = Decimal(0),
        notes: str | None = None,
    ) -> None:
        self._second = self._second + 1 if day == self._last_day else 0
        self._last_day = day
        self.rows.append(
            HistoryRow(
                executed_at=datetime(day.year, day.month, day.day, 14, tzinfo=UTC)
                + timedelta(seconds=self._second),
                type=row_type,
                symbol=symbol,
                quantity=None if quantity is None else Decimal(quantity),
                price=price,
                amount=amount,
                fee=fee,
                tax=tax,
                notes=notes,
                external_id=f"{self._id_prefix}-{len(self.rows) + 1:06d}",
            )
        )

    def deposit(self, day: date, amount: Decimal, notes: str) -> None:
        self.cash += amount
        self._add(day, "DEPOSIT", amount=amount, notes=notes)

    def fee(self, day: date, amount: Decimal, notes: str) -> None:
        self.cash -= amount
        self._add(day, "FEE", amount=amount, notes=notes)

    def buy(self, day: date, symbol: str, quantity: int, price: Decimal) -> None:
        self.cash -= price * quantity + TRADE_FEE
        self.held[symbol] = self.held.get(symbol, Fraction(0)) + quantity
        self.whole[symbol] = _whole(self.held[symbol])
        self._add(day, "BUY", symbol, quantity, price, fee=TRADE_FEE)

    def sell(self, day: date, symbol: str, quantity: int, price: Decimal) -> None:
        if quantity > self.held.get(symbol, 0):
            raise AssertionError("a generated sale would oversell")  # pragma: no cover
        self.cash += price * quantity - TRADE_FEE
        self.held[symbol] -= quantity
        self.whole[symbol] = _whole(self.held[symbol])
        self._add(day, "SELL", symbol, quantity, price, fee=TRADE_FEE)

    def dividend(self, day: date, symbol: str, amount: Decimal) -> None:
        tax = _cents(amount * WITHHOLDING_TAX_RATE)
        self.cash += amount - tax
        self._add(day, "DIVIDEND", symbol, amount=amount, tax=tax)

    def split(self, split: SplitSpec) -> None:
        if split.symbol in self.held:
            self.held[split.symbol] *= split.ratio
            self.whole[split.symbol] = _whole(self.held[split.symbol])


def history_csv(rows: Sequence[HistoryRow]) -> bytes:
    """``rows`` in the transaction import format (API.md), UTF-8 with a header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TRANSACTION_CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.executed_at.isoformat().replace("+00:00", "Z"),
                row.type,
                row.symbol or "",
                _cell(row.quantity),
                _cell(row.price),
                _cell(row.amount),
                _cell(row.fee) if row.fee else "",
                _cell(row.tax) if row.tax else "",
                row.notes or "",
                row.external_id or "",
            ]
        )
    return buffer.getvalue().encode()


def _cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"
