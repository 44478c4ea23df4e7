"""GET /portfolios/{id}/holdings: cost basis under FIFO and moving average,
fees, taxes, dividends, the cash balance, splits, voids, closed and unpriced
holdings (API.md "Holdings"), on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import httpx
from fastapi import FastAPI

from tests.api.portfolio_analytics.analytics_api import (
    REFERENCE_TRADES,
    add_split,
    by_symbol,
    cash,
    create_portfolio,
    create_stock,
    differences,
    get_holdings,
    income,
    set_prices,
    trade,
    void,
)

HOLDING_FIELDS = {
    "stock_id",
    "symbol",
    "name",
    "sector",
    "industry_group",
    "quantity",
    "cost_basis",
    "average_cost",
    "latest_price",
    "price_date",
    "market_value",
    "unrealized_gain",
    "unrealized_return",
    "realized_gain",
    "dividends",
    "fees",
    "taxes",
    "weight",
}
TOTAL_FIELDS = {
    "cost_basis",
    "market_value",
    "unrealized_gain",
    "realized_gain",
    "dividends",
    "fees",
    "taxes",
    "cash_balance",
    "total_value",
}


# --- the reference case (Portfolio Performance's documentation) ---------------


async def reference_portfolio(client: httpx.AsyncClient) -> tuple[str, str]:
    """buy 100@95, 200@105, 100@107, sell 150@110, buy 50@100, 300@107.50,
    sell 200@108; latest close 108."""
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(
        client,
        "REF",
        sector="Information Technology",
        industry_group="Technology Hardware & Equipment",
    )
    await set_prices(client, stock_id, {"2024-01-09": "107", "2024-01-10": "108"})
    first, rest = REFERENCE_TRADES[:4], REFERENCE_TRADES[4:]
    for kind, quantity, price, at in first:
        await trade(client, portfolio_id, kind, stock_id, quantity, price, at)
    # after the first sell: realized 1,750 (FIFO) and 1,050 (average)
    fifo = by_symbol(await get_holdings(client, portfolio_id))["REF"]
    average = by_symbol(await get_holdings(client, portfolio_id, cost_basis="average"))["REF"]
    assert (fifo["realized_gain"], average["realized_gain"]) == ("1750.00", "1050.00")
    assert (fifo["cost_basis"], average["cost_basis"]) == ("26450.00", "25750.00")
    assert fifo["quantity"] == average["quantity"] == "250"
    for kind, quantity, price, at in rest:
        await trade(client, portfolio_id, kind, stock_id, quantity, price, at)
    return portfolio_id, stock_id


async def test_reference_case_under_both_methods(client: httpx.AsyncClient) -> None:
    portfolio_id, stock_id = await reference_portfolio(client)
    report = await get_holdings(client, portfolio_id)
    assert report == await get_holdings(client, portfolio_id, cost_basis="fifo")
    assert set(report) == {"portfolio_id", "currency", "cost_basis_method", "holdings", "totals"}
    assert report["portfolio_id"] == portfolio_id
    assert report["currency"] == "USD"
    assert report["cost_basis_method"] == "fifo"
    (line,) = report["holdings"]
    assert set(line) == HOLDING_FIELDS
    # FIFO: the sell of 150 takes lot 1 (100@95) and 50 of lot 2; the sell of 200
    # takes lot 2's remaining 150@105 and 50 of lot 3 (@107). Left: 50@107,
    # 50@100, 300@107.50 = 5,350 + 5,000 + 32,250 = 42,600.
    # Realized: 16,500 − (9,500 + 5,250) = 1,750; 21,600 − (15,750 + 5,350) = 500.
    assert line == {
        "stock_id": stock_id,
        "symbol": "REF",
        "name": "REF Corp.",
        "sector": "Information Technology",
        "industry_group": "Technology Hardware & Equipment",
        "quantity": "400",
        "cost_basis": "42600.00",
        "average_cost": "106.50",
        "latest_price": "108",
        "price_date": "2024-01-10",
        "market_value": "43200.00",
        "unrealized_gain": "600.00",
        "unrealized_return": "0.014085",  # 600 / 42,600 = 0.01408450…
        "realized_gain": "2250.00",
        "dividends": "0.00",
        "fees": "0.00",
        "taxes": "0.00",
        "weight": "1.000000",
    }
    # No deposit: cash = −(9,500 + 21,000 + 10,700) + 16,500 − (5,000 + 32,250) + 21,600
    assert report["totals"] == {
        "cost_basis": "42600.00",
        "market_value": "43200.00",
        "unrealized_gain": "600.00",
        "realized_gain": "2250.00",
        "dividends": "0.00",
        "fees": "0.00",
        "taxes": "0.00",
        "cash_balance": "-40350.00",
        "total_value": "2850.00",
    }

    report = await get_holdings(client, portfolio_id, cost_basis="average")
    assert report["cost_basis_method"] == "average"
    (line,) = report["holdings"]
    # Average: 400 for 41,200 (103 each); selling 150 removes 15,450 → realized 1,050;
    # 250 left for 25,750, + 5,000 + 32,250 = 600 for 63,000 (105 each); selling 200
    # removes 21,000 → realized 600. Left: 400 × 105 = 42,000.
    assert line["quantity"] == "400"
    assert line["cost_basis"] == "42000.00"
    assert line["average_cost"] == "105.00"
    assert line["market_value"] == "43200.00"
    assert line["unrealized_gain"] == "1200.00"
    assert line["unrealized_return"] == "0.028571"  # 1,200 / 42,000 = 0.0285714…
    assert line["realized_gain"] == "1650.00"
    assert line["weight"] == "1.000000"
    totals = report["totals"]
    assert totals["cost_basis"] == "42000.00"
    assert totals["unrealized_gain"] == "1200.00"
    assert totals["realized_gain"] == "1650.00"
    assert totals["cash_balance"] == "-40350.00"  # cash does not depend on the method
    assert totals["total_value"] == "2850.00"
    # both methods: realized + unrealized = 2,850
    fifo = (await get_holdings(client, portfolio_id))["totals"]
    for method_totals in (fifo, totals):
        assert (
            Decimal(method_totals["realized_gain"]) + Decimal(method_totals["unrealized_gain"])
            == 2850
        )


# --- fees, taxes, dividends and the cash balance ------------------------------


async def test_fees_and_taxes_on_trades_and_dividends_with_tax(client: httpx.AsyncClient) -> None:
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "FEE")
    await cash(client, portfolio_id, "DEPOSIT", "10000", "2024-02-01T09:00:00Z")
    # a buy's fee and tax are part of its cost: 1,000 + 5 + 2 and 1,100 + 3
    await trade(
        client, portfolio_id, "BUY", stock_id, "10", "100", "2024-02-02T15:00:00Z", fee="5", tax="2"
    )
    await trade(client, portfolio_id, "BUY", stock_id, "10", "110", "2024-02-03T15:00:00Z", fee="3")
    # a sell's fee and tax reduce its proceeds: 600 − 4 − 1 = 595
    await trade(
        client, portfolio_id, "SELL", stock_id, "5", "120", "2024-02-05T15:00:00Z", fee="4", tax="1"
    )
    await income(
        client, portfolio_id, "DIVIDEND", stock_id, "30", "2024-02-06T12:00:00Z", tax="4.50"
    )
    await set_prices(client, stock_id, {"2024-02-06": "130"})

    fifo_report = await get_holdings(client, portfolio_id)
    fifo = by_symbol(fifo_report)["FEE"]
    # FIFO: the 5 sold come out of lot 1 (1,007 for 10) → 503.50; realized 595 − 503.50.
    # Left: 503.50 + 1,103 = 1,606.50 for 15 shares.
    assert fifo["quantity"] == "15"
    assert fifo["cost_basis"] == "1606.50"
    assert fifo["average_cost"] == "107.10"
    assert fifo["realized_gain"] == "91.50"
    assert fifo["market_value"] == "1950.00"
    assert fifo["unrealized_gain"] == "343.50"
    assert fifo["dividends"] == "30.00"  # gross
    assert fifo["fees"] == "12.00"  # 5 + 3 + 4
    assert fifo["taxes"] == "7.50"  # 2 + 0 + 1 + 4.50 withheld on the dividend

    average = by_symbol(await get_holdings(client, portfolio_id, cost_basis="average"))["FEE"]
    # Average: 2,110 for 20; selling 5 removes 527.50 → realized 67.50; 1,582.50 left.
    assert average["cost_basis"] == "1582.50"
    assert average["average_cost"] == "105.50"
    assert average["realized_gain"] == "67.50"
    assert average["unrealized_gain"] == "367.50"
    assert (average["dividends"], average["fees"], average["taxes"]) == ("30.00", "12.00", "7.50")

    # cash = 10,000 − 1,007 − 1,103 + 595 + (30 − 4.50) = 8,510.50
    totals = fifo_report["totals"]
    assert totals["cash_balance"] == "8510.50"
    assert totals["total_value"] == "10460.50"  # 1,950 + 8,510.50
    assert (totals["dividends"], totals["fees"], totals["taxes"]) == ("30.00", "12.00", "7.50")


async def test_cash_balance_follows_the_formula_of_api_md(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Σ DEPOSIT − Σ WITHDRAWAL − Σ BUY (amount + fee + tax) + Σ SELL (amount − fee − tax)
    + Σ DIVIDEND/INTEREST (amount − tax) − Σ FEE amount. A fee or a tax the formula
    does not name is refused when recorded (test_record), not taken and ignored."""
    cash_only = await create_portfolio(client, "cash only")
    empty = await get_holdings(client, cash_only)
    assert empty["holdings"] == []
    assert empty["totals"] == dict.fromkeys(TOTAL_FIELDS, "0.00")
    await cash(client, cash_only, "DEPOSIT", "1000.005", "2024-03-01T10:00:00Z")
    report = await get_holdings(client, cash_only)
    assert report["holdings"] == []
    assert report["totals"]["cash_balance"] == "1000.01"  # ROUND_HALF_UP to the cent
    assert report["totals"]["total_value"] == "1000.01"

    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "CSH")
    at = "2024-03-01T10:00:00Z"
    await cash(client, portfolio_id, "DEPOSIT", "5000", at)  # +5,000
    await cash(client, portfolio_id, "WITHDRAWAL", "300.25", at)  # −300.25
    await trade(client, portfolio_id, "BUY", stock_id, "20", "50.5", at, fee="1.5", tax="0.5")
    # −(1,010 + 1.50 + 0.50) = −1,012
    await trade(client, portfolio_id, "SELL", stock_id, "5", "60", at, fee="0.75", tax="0.25")
    # +(300 − 0.75 − 0.25) = +299
    await income(client, portfolio_id, "DIVIDEND", stock_id, "12.40", at, tax="1.86")
    # +(12.40 − 1.86) = +10.54
    await cash(client, portfolio_id, "INTEREST", "3.21", at, tax="0.80")  # +2.41
    await cash(client, portfolio_id, "FEE", "9.99", at)  # −9.99
    await income(client, portfolio_id, "FEE", stock_id, "2.50", at)
    # −2.50
    report = await get_holdings(client, portfolio_id)
    expected = (
        Decimal("5000")
        - Decimal("300.25")
        - Decimal("1012")
        + Decimal("299")
        + Decimal("10.54")
        + Decimal("2.41")
        - Decimal("9.99")
        - Decimal("2.50")
    )
    assert report["totals"]["cash_balance"] == str(expected) == "3987.21"
    # unpriced stock: no market value, total value = cash
    assert report["totals"]["market_value"] == "0.00"
    assert report["totals"]["total_value"] == "3987.21"
    assert await differences(app, portfolio_id) == []


async def test_totals_and_the_cash_balance_are_summed_without_rounding(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Sums have more than Python's default 28 digits: rounded there first, the exact
    …00499999999995 became …0050000000 and then a cent (ROUND_HALF_UP)."""
    portfolio_id = await create_portfolio(client)
    big, small = await create_stock(client, "BIG"), await create_stock(client, "SML")
    at = "2024-03-01T10:00:00Z"
    await trade(client, portfolio_id, "BUY", big, "1", "100000000000000000", at)
    await trade(client, portfolio_id, "BUY", small, "0.05", "0.099999999999", at)
    # market value and cost: 100,000,000,000,000,000.004,999,999,999,95 (32 digits)
    await set_prices(client, big, {"2024-03-01": "100000000000000000"})
    await set_prices(client, small, {"2024-03-01": "0.099999999999"})
    totals = (await get_holdings(client, portfolio_id))["totals"]
    assert totals["market_value"] == "100000000000000000.00"
    assert totals["cost_basis"] == "100000000000000000.00"
    assert totals["cash_balance"] == "-100000000000000000.00"
    assert totals["total_value"] == "0.00"
    assert await differences(app, portfolio_id) == []


async def test_quantities_and_prices_are_in_plain_notation_on_every_database(
    client: httpx.AsyncClient,
) -> None:
    """``str(Decimal)`` writes 0.0000001 as 1E-7, and SQLite gives back a close sent as
    1e2 as 1E+2 where PostgreSQL gives 100: the body says 0.0000001 and 100 on both."""
    portfolio_id = await create_portfolio(client)
    tiny, exponent = await create_stock(client, "TNY"), await create_stock(client, "EXP")
    at = "2024-03-01T10:00:00Z"
    await trade(client, portfolio_id, "BUY", tiny, "0.0000001", "0.0000001", at)
    await trade(client, portfolio_id, "BUY", exponent, "1", "100", at)
    await set_prices(client, tiny, {"2024-03-01": "0.0000001"})
    await set_prices(client, exponent, {"2024-03-01": "1e2"})
    lines = by_symbol(await get_holdings(client, portfolio_id))
    assert (lines["TNY"]["quantity"], lines["TNY"]["latest_price"]) == ("0.0000001", "0.0000001")
    assert (lines["EXP"]["quantity"], lines["EXP"]["latest_price"]) == ("1", "100")


# --- voids ---------------------------------------------------------------------


async def test_voiding_a_transaction_updates_holdings_and_cash(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "VOI")
    await cash(client, portfolio_id, "DEPOSIT", "5000", "2024-04-01T09:00:00Z")
    await trade(client, portfolio_id, "BUY", stock_id, "10", "100", "2024-04-02T15:00:00Z")
    second = await trade(
        client, portfolio_id, "BUY", stock_id, "10", "110", "2024-04-03T15:00:00Z", fee="1"
    )
    sold = await trade(
        client, portfolio_id, "SELL", stock_id, "5", "120", "2024-04-04T15:00:00Z", fee="2"
    )
    dividend = await income(
        client, portfolio_id, "DIVIDEND", stock_id, "10", "2024-04-05T12:00:00Z", tax="1"
    )
    await set_prices(client, stock_id, {"2024-04-05": "120"})
    before = await get_holdings(client, portfolio_id)
    assert by_symbol(before)["VOI"]["quantity"] == "15"
    # 5,000 − 1,000 − 1,101 + 598 + 9 = 3,506
    assert before["totals"]["cash_balance"] == "3506.00"

    await void(client, sold)
    after_sell_void = await get_holdings(client, portfolio_id)
    line = by_symbol(after_sell_void)["VOI"]
    assert line["quantity"] == "20"
    assert line["cost_basis"] == "2101.00"
    assert line["realized_gain"] == "0.00"
    assert line["fees"] == "1.00"
    assert after_sell_void["totals"]["cash_balance"] == "2908.00"  # 3,506 − 598

    await void(client, second)
    await void(client, dividend)
    final = await get_holdings(client, portfolio_id)
    line = by_symbol(final)["VOI"]
    assert line["quantity"] == "10"
    assert line["cost_basis"] == "1000.00"
    assert (line["dividends"], line["fees"], line["taxes"]) == ("0.00", "0.00", "0.00")
    assert line["market_value"] == "1200.00"
    assert final["totals"]["cash_balance"] == "4000.00"  # 5,000 − 1,000
    assert await differences(app, portfolio_id) == []


# --- closed and unpriced holdings -------------------------------------------------


async def test_closed_positions_are_shown_only_with_include_closed(
    client: httpx.AsyncClient,
) -> None:
    portfolio_id = await create_portfolio(client)
    closed_id = await create_stock(client, "CLO")
    open_id = await create_stock(client, "OPN")
    await trade(client, portfolio_id, "BUY", closed_id, "10", "50", "2024-05-01T15:00:00Z")
    await trade(client, portfolio_id, "SELL", closed_id, "10", "60", "2024-05-02T15:00:00Z")
    await trade(client, portfolio_id, "BUY", open_id, "4", "25", "2024-05-01T15:00:00Z")
    await set_prices(client, closed_id, {"2024-05-02": "60"})
    await set_prices(client, open_id, {"2024-05-02": "30"})

    default = await get_holdings(client, portfolio_id)
    assert default == await get_holdings(client, portfolio_id, include_closed="false")
    assert [line["symbol"] for line in default["holdings"]] == ["OPN"]
    # realized gains of closed positions still count in the totals
    assert default["totals"]["realized_gain"] == "100.00"
    assert default["totals"]["market_value"] == "120.00"
    assert by_symbol(default)["OPN"]["weight"] == "1.000000"

    everything = await get_holdings(client, portfolio_id, include_closed="true")
    assert [line["symbol"] for line in everything["holdings"]] == ["CLO", "OPN"]
    closed = by_symbol(everything)["CLO"]
    assert closed["quantity"] == "0"
    assert closed["cost_basis"] == "0.00"
    assert closed["average_cost"] is None
    assert closed["realized_gain"] == "100.00"
    assert closed["market_value"] == "0.00"
    assert closed["weight"] == "0.000000"
    assert everything["totals"] == default["totals"]
    average = await get_holdings(client, portfolio_id, include_closed="true", cost_basis="average")
    assert by_symbol(average)["CLO"]["realized_gain"] == "100.00"


async def test_unpriced_holdings_have_null_valuation_and_stay_out_of_the_totals(
    client: httpx.AsyncClient,
) -> None:
    portfolio_id = await create_portfolio(client)
    priced_a = await create_stock(client, "PRA")
    priced_b = await create_stock(client, "PRB")
    unpriced = await create_stock(client, "UNP")
    at = "2024-05-01T15:00:00Z"
    await trade(client, portfolio_id, "BUY", priced_a, "10", "10", at)
    await trade(client, portfolio_id, "BUY", priced_b, "30", "10", at)
    await trade(client, portfolio_id, "BUY", unpriced, "7", "20", at, fee="1")
    await set_prices(client, priced_a, {"2024-05-02": "10"})
    await set_prices(client, priced_b, {"2024-05-02": "10"})
    report = await get_holdings(client, portfolio_id)
    lines = by_symbol(report)
    line = lines["UNP"]
    for field in (
        "latest_price",
        "price_date",
        "market_value",
        "unrealized_gain",
        "unrealized_return",
        "weight",
    ):
        assert line[field] is None, field
    assert line["quantity"] == "7"
    assert line["cost_basis"] == "141.00"
    assert line["average_cost"] == "20.14"  # 141 / 7 = 20.142857…
    # weights over the priced holdings only: 100 / 400 and 300 / 400
    assert (lines["PRA"]["weight"], lines["PRB"]["weight"]) == ("0.250000", "0.750000")
    totals = report["totals"]
    assert totals["market_value"] == "400.00"
    assert totals["unrealized_gain"] == "0.00"
    assert totals["cost_basis"] == "541.00"  # every holding's cost
    assert totals["cash_balance"] == "-541.00"
    assert totals["total_value"] == "-141.00"  # 400 + (−541)

    # the latest price is the close of the latest date
    priced_id = await create_portfolio(client, "priced")
    stock_id = await create_stock(client, "LAT")
    await trade(client, priced_id, "BUY", stock_id, "3", "10", "2024-05-01T15:00:00Z")
    await set_prices(client, stock_id, {"2024-05-03": "12.345", "2024-05-01": "10"})
    line = by_symbol(await get_holdings(client, priced_id))["LAT"]
    assert (line["latest_price"], line["price_date"]) == ("12.345", "2024-05-03")
    assert line["market_value"] == "37.04"  # 37.035 rounded half up
    assert line["unrealized_gain"] == "7.04"
    assert line["unrealized_return"] == "0.234500"  # 7.035 / 30
    await set_prices(client, stock_id, {"2024-05-03": "11"})  # replaced
    line = by_symbol(await get_holdings(client, priced_id))["LAT"]
    assert (line["latest_price"], line["market_value"]) == ("11", "33.00")


# --- splits ------------------------------------------------------------------------


async def test_a_split_recorded_after_the_trades_and_a_back_dated_pre_split_buy(
    app: FastAPI,
    client: httpx.AsyncClient,
) -> None:
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "SPL")
    await trade(client, portfolio_id, "BUY", stock_id, "100", "80", "2024-03-01T15:00:00Z")
    line = by_symbol(await get_holdings(client, portfolio_id))["SPL"]
    assert (line["quantity"], line["cost_basis"], line["average_cost"]) == (
        "100",
        "8000.00",
        "80.00",
    )

    # 4-for-1, effective 2024-03-15, recorded after the trade: quantity × 4, cost per share ÷ 4
    await add_split(client, stock_id, "2024-03-15", 4, 1)
    for method in ("fifo", "average"):
        line = by_symbol(await get_holdings(client, portfolio_id, cost_basis=method))["SPL"]
        assert (line["quantity"], line["cost_basis"], line["average_cost"]) == (
            "400",
            "8000.00",
            "20.00",
        )

    # a pre-split buy recorded after the split is replayed in its own units:
    # 100 @ 88 on 2024-03-10 → 400 shares for 8,800
    await trade(client, portfolio_id, "BUY", stock_id, "100", "88", "2024-03-10T15:00:00Z")
    line = by_symbol(await get_holdings(client, portfolio_id))["SPL"]
    assert (line["quantity"], line["cost_basis"], line["average_cost"]) == (
        "800",
        "16800.00",
        "21.00",
    )

    # a post-split sell of 200 @ 25: FIFO takes 200 of the first lot (20 each) → +1,000;
    # average takes 200 × 21 → +800
    await trade(client, portfolio_id, "SELL", stock_id, "200", "25", "2024-03-20T15:00:00Z")
    await set_prices(client, stock_id, {"2024-03-20": "26"})
    fifo = by_symbol(await get_holdings(client, portfolio_id))["SPL"]
    average = by_symbol(await get_holdings(client, portfolio_id, cost_basis="average"))["SPL"]
    assert fifo["quantity"] == average["quantity"] == "600"
    assert fifo["market_value"] == average["market_value"] == "15600.00"
    assert (fifo["cost_basis"], fifo["realized_gain"], fifo["unrealized_gain"]) == (
        "12800.00",
        "1000.00",
        "2800.00",
    )
    assert (average["cost_basis"], average["realized_gain"], average["unrealized_gain"]) == (
        "12600.00",
        "800.00",
        "3000.00",
    )

    # a split after every trade of a position applies to all of it
    reverse_id = await create_stock(client, "RSP")
    await trade(client, portfolio_id, "BUY", reverse_id, "30", "10", "2024-03-01T15:00:00Z")
    await trade(client, portfolio_id, "SELL", reverse_id, "10", "12", "2024-03-02T15:00:00Z")
    # a 1-for-2 reverse split: 20 → 10 shares, cost per share 10 → 20
    await add_split(client, reverse_id, "2024-03-05", 1, 2)
    line = by_symbol(await get_holdings(client, portfolio_id))["RSP"]
    assert (line["quantity"], line["cost_basis"], line["average_cost"]) == ("10", "200.00", "20.00")
    assert line["realized_gain"] == "20.00"
    assert await differences(app, portfolio_id) == []


# --- the projection follows every event ----------------------------------------------


async def test_a_back_dated_trade_gives_the_same_holdings_as_recording_in_order(
    client: httpx.AsyncClient,
) -> None:
    in_order = await create_portfolio(client, "in order")
    back_dated = await create_portfolio(client, "back dated")
    stock_id = await create_stock(client, "BKD")
    trades = [
        ("BUY", "10", "100", "2024-01-02T15:00:00Z"),
        ("BUY", "10", "120", "2024-01-04T15:00:00Z"),
        ("SELL", "15", "130", "2024-01-06T15:00:00Z"),
        ("BUY", "5", "90", "2024-01-03T15:00:00Z"),  # back-dated between the buys
    ]
    for kind, quantity, price, at in sorted(trades, key=lambda t: t[3]):
        await trade(client, in_order, kind, stock_id, quantity, price, at)
    for kind, quantity, price, at in trades:
        await trade(client, back_dated, kind, stock_id, quantity, price, at)
    await set_prices(client, stock_id, {"2024-01-06": "130"})
    for method in ("fifo", "average"):
        expected = await get_holdings(client, in_order, cost_basis=method)
        actual = await get_holdings(client, back_dated, cost_basis=method)
        assert actual["holdings"] == expected["holdings"]
        assert actual["totals"] == expected["totals"]
    # FIFO: the 15 sold are 10@100 and 5@90 (the back-dated lot is older than 10@120)
    line = by_symbol(await get_holdings(client, back_dated))["BKD"]
    assert (line["cost_basis"], line["realized_gain"]) == ("1200.00", "500.00")  # 1,950 − 1,450
