"""The demo and benchmark data generators: deterministic, positive prices, and
histories the book accepts whole (they never oversell, at any moment)."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bootstrap.demo_data import (
    CENT,
    DEMO_SPLIT_SYMBOL,
    DEMO_STOCKS,
    WITHHOLDING_TAX_RATE,
    HistoryRow,
    SplitSpec,
    StockSpec,
    business_days,
    demo_period,
    demo_split,
    history_csv,
    portfolio_history,
    price_walk,
    stock_rng,
    synthetic_stocks,
)
from contexts.stock.domain.gics import classification
from contexts.stock.domain.stock import Stock, StockDetails
from contexts.transaction.application.csv_format import parse_transaction_csv
from contexts.transaction.domain.ledger import LedgerEntry, LedgerSplit, first_shortfall

FIRST, LAST = date(2021, 1, 1), date(2023, 12, 29)
DAYS = business_days(FIRST, LAST)
SPLIT = SplitSpec(DEMO_SPLIT_SYMBOL, date(2022, 6, 10), 4, 1)
YIELDS = {spec.symbol: spec.dividend_yield for spec in DEMO_STOCKS}


def demo_closes(seed: int, days: list[date] = DAYS) -> dict[str, list[tuple[date, Decimal]]]:
    return {
        spec.symbol: price_walk(stock_rng(seed, spec.symbol), days, spec, [SPLIT])
        for spec in DEMO_STOCKS
    }


def demo_history(seed: int, transactions: int = 200) -> list[HistoryRow]:
    return portfolio_history(
        random.Random(seed),
        demo_closes(seed),
        transactions,
        splits=[SPLIT],
        dividend_yields=YIELDS,
    )


def shortfall(rows: list[HistoryRow], splits: list[SplitSpec]) -> object:
    """The ledger's own check, on every position of the history."""
    entries: dict[str, list[LedgerEntry]] = {}
    for row in rows:
        if row.type in ("BUY", "SELL"):
            assert row.symbol is not None
            assert row.quantity is not None
            delta = row.quantity if row.type == "BUY" else -row.quantity
            entries.setdefault(row.symbol, []).append(
                LedgerEntry(uuid.uuid4(), row.executed_at, row.executed_at, delta)
            )
    for symbol, position in entries.items():
        ledger_splits = [
            LedgerSplit(s.effective_date, s.numerator, s.denominator)
            for s in splits
            if s.symbol == symbol
        ]
        found = first_shortfall(position, ledger_splits)
        if found is not None:
            return found
    return None


# --- the catalog -----------------------------------------------------------------


def test_the_demo_stocks_are_ten_unique_tickers_across_sectors() -> None:
    symbols = [spec.symbol for spec in DEMO_STOCKS]
    assert 8 <= len(symbols) <= 10
    assert len(set(symbols)) == len(symbols)
    assert len({spec.sector for spec in DEMO_STOCKS}) >= 7


@pytest.mark.parametrize("spec", DEMO_STOCKS, ids=lambda spec: spec.symbol)
def test_every_demo_stock_is_valid_for_the_catalog(spec: StockSpec) -> None:
    assert classification(spec.sector, spec.industry_group) == (spec.sector, spec.industry_group)
    details = StockDetails.checked(
        name=spec.name,
        sector=spec.sector,
        industry_group=spec.industry_group,
        exchange=spec.exchange,
        grade=None,
        notes=None,
    )
    Stock.register(spec.symbol, "USD", details, datetime.now(UTC))


def test_synthetic_stocks_are_unique_valid_and_never_demo_tickers() -> None:
    stocks = synthetic_stocks(300, random.Random(1))
    symbols = {spec.symbol for spec in stocks}
    assert len(symbols) == 300
    assert not symbols & {spec.symbol for spec in DEMO_STOCKS}
    for spec in stocks:
        assert classification(spec.sector, spec.industry_group)
        assert spec.start_price > 0
    assert stocks == synthetic_stocks(300, random.Random(1))


# --- prices ----------------------------------------------------------------------


def test_business_days_are_monday_to_friday() -> None:
    days = business_days(date(2024, 1, 1), date(2024, 12, 31))
    assert len(days) == 262
    assert all(day.weekday() < 5 for day in days)
    assert days == sorted(set(days))


def test_the_same_seed_gives_the_same_prices_and_another_seed_others() -> None:
    assert demo_closes(7) == demo_closes(7)
    assert demo_closes(7) != demo_closes(8)


def test_a_longer_period_keeps_the_prices_already_generated() -> None:
    shorter = demo_closes(3, DAYS[:300])
    assert all(demo_closes(3)[symbol][:300] == series for symbol, series in shorter.items())


@given(seed=st.integers(min_value=0, max_value=2**32))
@settings(max_examples=25, deadline=None)
def test_closes_are_positive_cents_on_business_days(seed: int) -> None:
    for series in demo_closes(seed, DAYS[:120]).values():
        assert [day for day, _ in series] == DAYS[:120]
        for _, close in series:
            assert isinstance(close, Decimal)
            assert close >= CENT
            assert close == close.quantize(CENT)


def test_a_penny_stock_never_closes_below_a_cent() -> None:
    spec = StockSpec("PNY", "Penny", "Energy", "Energy", "NYSE", CENT, Decimal(-5), Decimal(2))
    closes = price_walk(random.Random(1), DAYS, spec)
    assert min(close for _, close in closes) == CENT


def test_prices_are_as_traded_across_the_split() -> None:
    nvda = dict(demo_closes(11)[DEMO_SPLIT_SYMBOL])
    before, on = nvda[date(2022, 6, 9)], nvda[SPLIT.effective_date]
    assert Decimal("2.5") < before / on < Decimal("6.5")


def test_the_demo_period_and_split() -> None:
    first, last = demo_period(date(2025, 11, 26), 5)
    assert (first, last) == (date(2020, 1, 1), date(2025, 11, 25))
    split = demo_split(first, last)
    assert split.symbol == DEMO_SPLIT_SYMBOL
    assert (split.numerator, split.denominator) == (4, 1)
    assert first < split.effective_date < last
    assert split.effective_date.weekday() < 5
    with pytest.raises(ValueError, match="years"):
        demo_period(date(2025, 11, 26), 0)


# --- histories -------------------------------------------------------------------


def test_the_same_seed_gives_the_same_history() -> None:
    assert demo_history(5) == demo_history(5)
    assert demo_history(5) != demo_history(6)


def test_a_history_has_the_count_asked_in_time_order_with_unique_ids() -> None:
    rows = demo_history(1, transactions=250)
    assert len(rows) == 250
    times = [row.executed_at for row in rows]
    assert times == sorted(times)
    assert len(set(times)) == len(times)
    assert len({row.external_id for row in rows}) == 250
    assert rows[0].executed_at.date() >= FIRST
    assert rows[-1].executed_at.date() <= LAST


def test_a_demo_history_has_every_kind_of_transaction() -> None:
    kinds = Counter(row.type for row in demo_history(2, transactions=300))
    assert kinds["DEPOSIT"] >= 12
    assert kinds["BUY"] > kinds["SELL"] > 0
    assert kinds["DIVIDEND"] > 0
    assert kinds["FEE"] >= 1


def test_dividends_are_taxed_at_source() -> None:
    dividends = [row for row in demo_history(3, transactions=300) if row.type == "DIVIDEND"]
    assert dividends
    for row in dividends:
        assert row.amount is not None
        assert row.amount > 0
        assert row.tax == (row.amount * WITHHOLDING_TAX_RATE).quantize(CENT)


@given(seed=st.integers(min_value=0, max_value=2**32), count=st.integers(1, 400))
@settings(max_examples=30, deadline=None)
def test_a_history_never_oversells_even_across_the_split(seed: int, count: int) -> None:
    rows = demo_history(seed, transactions=count)
    assert shortfall(rows, [SPLIT]) is None
    held: Counter[str] = Counter()
    split_done = False
    for row in rows:
        if not split_done and row.executed_at.date() >= SPLIT.effective_date:
            held[SPLIT.symbol] *= SPLIT.numerator
            split_done = True
        if row.type in ("BUY", "SELL"):
            assert row.symbol is not None
            assert row.quantity is not None
            assert row.quantity == int(row.quantity) > 0
            held[row.symbol] += int(row.quantity) * (1 if row.type == "BUY" else -1)
            assert held[row.symbol] >= 1  # a sale always leaves a share


def test_trades_are_at_the_day_close_in_the_units_of_their_day() -> None:
    closes = {symbol: dict(series) for symbol, series in demo_closes(4).items()}
    for row in demo_history(4, transactions=300):
        if row.type in ("BUY", "SELL"):
            assert row.symbol is not None
            assert row.price == closes[row.symbol][row.executed_at.date()]


def test_buying_every_stock_first_holds_every_stock() -> None:
    rows = portfolio_history(
        random.Random(9), demo_closes(9), 40, splits=[SPLIT], buy_every_stock_first=True
    )
    assert rows[0].type == "DEPOSIT"
    first_buys = rows[1 : 1 + len(DEMO_STOCKS)]
    assert {row.symbol for row in first_buys} == {spec.symbol for spec in DEMO_STOCKS}
    assert all(row.type == "BUY" for row in first_buys)
    assert rows[0].amount is not None
    assert rows[0].amount >= sum(
        (row.quantity or 0) * (row.price or 0) + row.fee for row in first_buys
    )


def test_sales_always_leave_a_share_so_every_position_stays_open() -> None:
    rows = portfolio_history(
        random.Random(5), demo_closes(5), 2_000, splits=[SPLIT], buy_every_stock_first=True
    )
    held: Counter[str] = Counter()
    for row in rows:
        if row.type == "BUY" and row.symbol:
            held[row.symbol] += int(row.quantity or 0)
        elif row.type == "SELL" and row.symbol:
            held[row.symbol] -= int(row.quantity or 0)
    # Counted without the split (which only multiplies), every position is still open.
    assert len(held) == len(DEMO_STOCKS)


def test_a_history_is_a_valid_import_file() -> None:
    rows = demo_history(8, transactions=300)
    parsed, errors = parse_transaction_csv(history_csv(rows))
    assert errors == []
    assert len(parsed) == 300
    for row, read in zip(rows, parsed, strict=True):
        assert read.request.executed_at == row.executed_at
        assert read.request.type == row.type
        assert read.symbol == row.symbol
        assert read.request.quantity == row.quantity
        assert read.request.price == row.price
        assert read.request.external_id == row.external_id
        if row.type not in ("BUY", "SELL"):
            assert read.request.amount == row.amount
            assert read.request.tax == row.tax


def test_bad_arguments_are_refused() -> None:
    closes = demo_closes(1)
    with pytest.raises(ValueError, match="at least"):
        portfolio_history(random.Random(1), closes, 0)
    with pytest.raises(ValueError, match="at least 11"):
        portfolio_history(random.Random(1), closes, 5, buy_every_stock_first=True)
    with pytest.raises(ValueError, match="no trading day"):
        portfolio_history(random.Random(1), closes, 5, first=date(2030, 1, 1))
    with pytest.raises(ValueError, match="one stock"):
        portfolio_history(random.Random(1), {}, 5)
