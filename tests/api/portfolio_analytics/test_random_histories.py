"""Properties of the projection over random API histories (hypothesis, SQLite).

For any sequence of buys, sells within holdings, voids, back-dated trades,
splits, dividends and deposits played through the API:
- the incrementally maintained projection equals a full replay of the book;
- FIFO and moving average give the same realized + unrealized total;
- the weights of the priced holdings, and of every allocation, sum to 1.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contexts.portfolio.application.ports import ProjectionReader
from tests.api.portfolio_analytics.analytics_api import (
    create_portfolio,
    differences,
    get_allocation,
    get_holdings,
)
from tests.api.portfolio_analytics.random_history import (
    HISTORY_DAYS,
    SPLIT_RATIOS,
    BackDatedSell,
    Buy,
    Deposit,
    Dividend,
    Operation,
    Sell,
    Split,
    Void,
    new_stocks,
    play,
    price_all,
)

STOCK_COUNT = 2
WEIGHT_TOLERANCE = Decimal("0.00001")
# Each side is realized + unrealized, two figures each rounded to the cent (±0.005):
# the two sides can differ by up to 0.02 after rounding, never more.
ROUNDED_TOTAL_TOLERANCE = Decimal("0.02")
EXACT_TOLERANCE = Decimal("1e-20")

stock = st.integers(0, STOCK_COUNT - 1)
day = st.integers(0, HISTORY_DAYS - 1)
price = st.integers(1, 50_000)
money = st.integers(0, 2_000)
buys = st.builds(Buy, stock, st.integers(1, 300), price, money, money, day)
operations: st.SearchStrategy[Operation] = st.one_of(
    buys,
    buys,  # twice as likely: something to sell and to void
    st.builds(Sell, stock, st.integers(1, 100), price, money, money),
    st.builds(BackDatedSell, stock, st.integers(1, 100), price, day),
    st.builds(Dividend, stock, st.integers(1, 100_000), st.integers(0, 40), day),
    st.builds(Deposit, st.integers(1, 10_000_000), day),
    st.builds(Void, st.integers(0, 1_000)),
    st.builds(Split, stock, st.integers(0, len(SPLIT_RATIOS) - 1), day),
)
histories = st.lists(operations, min_size=5, max_size=14)
closes = st.lists(st.integers(1, 100_000), min_size=STOCK_COUNT, max_size=STOCK_COUNT)

_numbers = itertools.count()


def _total(report: dict[str, object]) -> Decimal:
    totals = report["totals"]
    assert isinstance(totals, dict)
    return Decimal(totals["realized_gain"]) + Decimal(totals["unrealized_gain"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, prices=closes)
async def test_random_histories_keep_the_projection_consistent(
    app: FastAPI, client: httpx.AsyncClient, history: list[Operation], prices: list[int]
) -> None:
    number = next(_numbers)  # a fresh portfolio and fresh stocks for every example
    portfolio_id = await create_portfolio(client, f"random {number}")
    stock_ids = await new_stocks(client, f"H{number}X", STOCK_COUNT)
    played = await play(client, portfolio_id, stock_ids, history)
    event(f"recorded: {'under 5' if len(played.recorded) < 5 else '5 or more'}")
    event(f"voided: {bool(played.voided)}, refused: {bool(played.refused)}")
    event(f"splits: {played.splits > 0}")
    await price_all(client, stock_ids, prices)

    # the incremental projection is exactly a full replay of the book
    assert await differences(app, portfolio_id) == []

    # FIFO and average: the same realized + unrealized total (the market value is the
    # same, so realized − cost basis is the same), exactly up to the 34 significant
    # digits kept for values without a finite decimal expansion ...
    reader: ProjectionReader = app.state.container.portfolio.projection_reader()
    figures = await reader.holdings(UUID(portfolio_id))
    fifo = sum((f.fifo_realized_gain - f.fifo_cost_basis for f in figures), Decimal(0))
    average = sum((f.average_realized_gain - f.average_cost_basis for f in figures), Decimal(0))
    assert abs(fifo - average) <= EXACT_TOLERANCE, (fifo, average)
    # ... and as the API reports them, to the cent
    fifo_report = await get_holdings(client, portfolio_id)
    average_report = await get_holdings(client, portfolio_id, cost_basis="average")
    assert abs(_total(fifo_report) - _total(average_report)) <= ROUNDED_TOTAL_TOLERANCE
    assert fifo_report["totals"]["market_value"] == average_report["totals"]["market_value"]
    assert fifo_report["totals"]["cash_balance"] == average_report["totals"]["cash_balance"]

    # weights of the priced holdings sum to 1 (all are priced here)
    weights = [line["weight"] for line in fifo_report["holdings"]]
    assert None not in weights
    if Decimal(fifo_report["totals"]["market_value"]) != 0:
        assert abs(sum((Decimal(w) for w in weights), Decimal(0)) - 1) <= WEIGHT_TOLERANCE
        for by in ("stock", "sector", "industry_group"):
            allocation = await get_allocation(client, portfolio_id, by=by)
            assert allocation["unpriced"] == []
            total = sum((Decimal(item["weight"]) for item in allocation["items"]), Decimal(0))
            assert abs(total - 1) <= WEIGHT_TOLERANCE, (by, allocation)
