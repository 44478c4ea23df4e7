"""GET /portfolios/{id}/allocation: by stock, sector and industry group; weights
of the priced holdings sum to 1; unpriced holdings are listed apart."""

from __future__ import annotations

from decimal import Decimal

import httpx

from tests.api.portfolio_analytics.analytics_api import (
    by_symbol,
    create_portfolio,
    create_stock,
    get_allocation,
    get_holdings,
    set_prices,
    trade,
)

AT = "2024-06-03T15:00:00Z"
CLOSE_DAY = "2024-06-04"


async def test_allocation_by_stock_sector_and_industry_group(client: httpx.AsyncClient) -> None:
    portfolio_id = await create_portfolio(client)
    software = await create_stock(
        client, "SOFT", sector="Information Technology", industry_group="Software & Services"
    )
    chips = await create_stock(
        client,
        "CHIP",
        sector="Information Technology",
        industry_group="Semiconductors & Semiconductor Equipment",
    )
    oil = await create_stock(client, "OIL", sector="Energy", industry_group="Energy")
    bank = await create_stock(client, "BANK", sector="Financials")  # no industry group
    mystery = await create_stock(client, "MYST")  # no sector at all
    unpriced = await create_stock(client, "NOPX", sector="Utilities")
    # market values at the close: SOFT 1,000; CHIP 3,000; OIL 2,500; BANK 500; MYST 1,000
    for stock_id, quantity, close in (
        (software, "10", "100"),
        (chips, "15", "200"),
        (oil, "50", "50"),
        (bank, "4", "125"),
        (mystery, "8", "125"),
    ):
        await trade(client, portfolio_id, "BUY", stock_id, quantity, "90", AT)
        await set_prices(client, stock_id, {CLOSE_DAY: close})
    await trade(client, portfolio_id, "BUY", unpriced, "1", "90", AT)
    # total priced market value: 8,000

    default = await get_allocation(client, portfolio_id)
    assert default == await get_allocation(client, portfolio_id, by="stock")
    assert set(default) == {"by", "items", "unpriced"}
    assert default["by"] == "stock"
    # largest first, ties by key
    assert default["items"] == [
        {"key": "CHIP", "market_value": "3000.00", "weight": "0.375000"},
        {"key": "OIL", "market_value": "2500.00", "weight": "0.312500"},
        {"key": "MYST", "market_value": "1000.00", "weight": "0.125000"},
        {"key": "SOFT", "market_value": "1000.00", "weight": "0.125000"},
        {"key": "BANK", "market_value": "500.00", "weight": "0.062500"},
    ]
    assert default["unpriced"] == ["NOPX"]

    sectors = await get_allocation(client, portfolio_id, by="sector")
    assert sectors["by"] == "sector"
    assert sectors["items"] == [
        {"key": "Information Technology", "market_value": "4000.00", "weight": "0.500000"},
        {"key": "Energy", "market_value": "2500.00", "weight": "0.312500"},
        {"key": "Unclassified", "market_value": "1000.00", "weight": "0.125000"},
        {"key": "Financials", "market_value": "500.00", "weight": "0.062500"},
    ]
    assert sectors["unpriced"] == ["NOPX"]

    groups = await get_allocation(client, portfolio_id, by="industry_group")
    assert groups["by"] == "industry_group"
    assert groups["items"] == [
        {
            "key": "Semiconductors & Semiconductor Equipment",
            "market_value": "3000.00",
            "weight": "0.375000",
        },
        {"key": "Energy", "market_value": "2500.00", "weight": "0.312500"},
        # BANK (sector, no group) and MYST (neither)
        {"key": "Unclassified", "market_value": "1500.00", "weight": "0.187500"},
        {"key": "Software & Services", "market_value": "1000.00", "weight": "0.125000"},
    ]
    assert groups["unpriced"] == ["NOPX"]

    for report in (default, sectors, groups):
        assert sum(Decimal(item["weight"]) for item in report["items"]) == 1
        assert sum(Decimal(item["market_value"]) for item in report["items"]) == 8000

    # the holdings report agrees: same weights, the unpriced one without
    holdings = by_symbol(await get_holdings(client, portfolio_id))
    assert holdings["CHIP"]["weight"] == "0.375000"
    assert holdings["NOPX"]["weight"] is None


async def test_weights_sum_to_one_exactly(client: httpx.AsyncClient) -> None:
    portfolio_id = await create_portfolio(client)
    for symbol in ("TRIA", "TRIB", "TRIC"):
        stock_id = await create_stock(client, symbol, sector="Industrials")
        await trade(client, portfolio_id, "BUY", stock_id, "3", "10", AT)
        await set_prices(client, stock_id, {CLOSE_DAY: "11"})
    allocation = await get_allocation(client, portfolio_id)
    # thirds: the millionth that rounding each down leaves goes to the first
    assert [item["weight"] for item in allocation["items"]] == ["0.333334", "0.333333", "0.333333"]
    sectors = await get_allocation(client, portfolio_id, by="sector")
    assert sectors["items"] == [
        {"key": "Industrials", "market_value": "99.00", "weight": "1.000000"}
    ]
    holdings = await get_holdings(client, portfolio_id)
    assert [line["weight"] for line in holdings["holdings"]] == ["0.333334", "0.333333", "0.333333"]

    # each rounded half up on its own, these made 0.999999 (856030 + 84756 + 59205 + 8)
    uneven = await create_portfolio(client, "uneven")
    for symbol, value in (("UNA", "1011.10"), ("UNB", "100.11"), ("UNC", "69.93"), ("UND", "0.01")):
        stock_id = await create_stock(client, symbol, sector="Energy")
        await trade(client, uneven, "BUY", stock_id, "1", value, AT)
        await set_prices(client, stock_id, {CLOSE_DAY: value})
    for by in ("stock", "industry_group"):
        items = (await get_allocation(client, uneven, by=by))["items"]
        assert sum(Decimal(item["weight"]) for item in items) == 1, items
    lines = (await get_holdings(client, uneven))["holdings"]
    # the millionth left over goes to the largest remainder: 8.466 millionths
    assert [line["weight"] for line in lines] == ["0.856030", "0.084756", "0.059205", "0.000009"]

    # a portfolio without priced holdings
    portfolio_id = await create_portfolio(client, "unpriced")
    assert await get_allocation(client, portfolio_id) == {
        "by": "stock",
        "items": [],
        "unpriced": [],
    }
    closed = await create_stock(client, "GONE")
    await trade(client, portfolio_id, "BUY", closed, "2", "10", AT)
    await trade(client, portfolio_id, "SELL", closed, "2", "12", "2024-06-04T15:00:00Z")
    await set_prices(client, closed, {CLOSE_DAY: "12"})
    unpriced = await create_stock(client, "ZNOP")
    await trade(client, portfolio_id, "BUY", unpriced, "1", "10", AT)
    # a closed position is no part of the allocation; an unpriced one is listed apart
    for by in ("stock", "sector", "industry_group"):
        assert await get_allocation(client, portfolio_id, by=by) == {
            "by": by,
            "items": [],
            "unpriced": ["ZNOP"],
        }


async def test_a_tie_gives_its_left_over_millionth_to_the_same_stock_in_holdings(
    client: httpx.AsyncClient,
) -> None:
    portfolio_id = await create_portfolio(client)
    # registered against the alphabet: the holdings' rows come in another order
    for symbol in ("CCX", "BBX", "AAX"):
        stock_id = await create_stock(client, symbol)
        await trade(client, portfolio_id, "BUY", stock_id, "1", "3", AT)
        await set_prices(client, stock_id, {CLOSE_DAY: "1"})

    allocation = await get_allocation(client, portfolio_id)
    holdings = by_symbol(await get_holdings(client, portfolio_id))

    # a third each: the millionth left over goes to the first in allocation's order
    assert allocation["items"] == [
        {"key": "AAX", "market_value": "1.00", "weight": "0.333334"},
        {"key": "BBX", "market_value": "1.00", "weight": "0.333333"},
        {"key": "CCX", "market_value": "1.00", "weight": "0.333333"},
    ]
    assert {symbol: line["weight"] for symbol, line in holdings.items()} == {
        item["key"]: item["weight"] for item in allocation["items"]
    }
