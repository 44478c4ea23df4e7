"""GET /portfolios/{id}/performance on small hand-checked histories (API.md
"Performance"): the daily values V_t, the chained time-weighted return, the
XIRR money-weighted return, splits, the price fall-back rule and the defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import httpx

from tests.api.portfolio_analytics.analytics_api import (
    add_split,
    cash,
    create_portfolio,
    create_stock,
    get_performance,
    income,
    set_prices,
    trade,
    void,
)

RETURN_TOLERANCE = Decimal("0.000001")
PERFORMANCE_FIELDS = {
    "from",
    "to",
    "days",
    "start_value",
    "end_value",
    "net_inflow",
    "gain",
    "time_weighted_return",
    "time_weighted_return_annualized",
    "money_weighted_return",
    "series",
}


def assert_return(reported: str | None, exact: Fraction | float) -> None:
    assert reported is not None
    assert len(reported.split(".")[1]) == 6, reported  # a fraction to six places
    assert abs(Decimal(reported) - Decimal(float(exact))) <= RETURN_TOLERANCE, (reported, exact)


def chained(growth: list[Fraction]) -> list[Fraction]:
    """Cumulative returns Π(1 + r_t) − 1 after each day (the first day: 0)."""
    result, product = [Fraction(0)], Fraction(1)
    for factor in growth:
        product *= factor
        result.append(product - 1)
    return result


def net_present_value(flows: list[tuple[date, Decimal]], rate: float) -> float:
    """Σ cf / (1 + rate)^(days since the first flow / 365)."""
    origin = flows[0][0]
    total = 0.0
    for day, amount in flows:
        total += float(amount) / (1.0 + rate) ** ((day - origin).days / 365)
    return total


def assert_xirr(reported: str | None, flows: list[tuple[date, Decimal]]) -> None:
    """The reported rate (six places) is within 1e-6 of a root of the flows' NPV."""
    assert reported is not None
    rate = float(reported)
    below = net_present_value(flows, rate - 1e-6)
    above = net_present_value(flows, rate + 1e-6)
    assert below * above <= 0, (reported, below, above)


async def small_history(client: httpx.AsyncClient) -> str:
    """One stock, closes on some days only, buys with a fee, a taxed dividend, a sell."""
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "PERF")
    # closes: 05-01 10, 05-02 10, 05-03 11, none on 05-04 and 05-05, 05-06 12
    await set_prices(
        client,
        stock_id,
        {"2024-05-01": "10", "2024-05-02": "10", "2024-05-03": "11", "2024-05-06": "12"},
    )
    await cash(client, portfolio_id, "DEPOSIT", "5000", "2024-04-30T09:00:00Z")  # not a flow
    await trade(client, portfolio_id, "BUY", stock_id, "100", "10", "2024-05-02T15:00:00Z", fee="5")
    await trade(client, portfolio_id, "BUY", stock_id, "50", "11", "2024-05-03T15:00:00Z")
    await income(client, portfolio_id, "DIVIDEND", stock_id, "30", "2024-05-04T12:00:00Z", tax="3")
    await income(client, portfolio_id, "FEE", stock_id, "4", "2024-05-05T12:00:00Z")
    await trade(client, portfolio_id, "SELL", stock_id, "60", "12", "2024-05-06T15:00:00Z", fee="2")
    return portfolio_id


async def test_hand_checked_periods(client: httpx.AsyncClient) -> None:
    portfolio_id = await small_history(client)
    report = await get_performance(
        client, portfolio_id, **{"from": "2024-05-01", "to": "2024-05-06"}
    )
    assert set(report) == PERFORMANCE_FIELDS
    # V_t = quantity held at the end of day t × latest close on or before t:
    #   05-01: 0 × 10 = 0        05-02: 100 × 10 = 1,000    05-03: 150 × 11 = 1,650
    #   05-04: 150 × 11 = 1,650  05-05: 150 × 11 = 1,650     05-06: 90 × 12 = 1,080
    # in_t:  05-02: 1,000 + 5 = 1,005    05-03: 550
    # out_t: 05-04: 30 − 3 = 27 (dividend net of tax)    05-06: 720 − 2 = 718
    # (the DEPOSIT and the FEE are no flows of the holdings)
    # r_t = (V_t + out_t) / (V_{t−1} + in_t) − 1:
    #   05-02: 1,000 / (0 + 1,005)    05-03: 1,650 / (1,000 + 550)
    #   05-04: (1,650 + 27) / 1,650    05-05: 1,650 / 1,650
    #   05-06: (1,080 + 718) / 1,650
    growth = [
        Fraction(1000, 1005),
        Fraction(1650, 1550),
        Fraction(1677, 1650),
        Fraction(1),
        Fraction(1798, 1650),
    ]
    cumulative = chained(growth)
    assert report["from"] == "2024-05-01"
    assert report["to"] == "2024-05-06"
    assert report["days"] == 5
    assert report["start_value"] == "0.00"
    assert report["end_value"] == "1080.00"
    assert report["net_inflow"] == "810.00"  # 1,005 + 550 − 27 − 718
    assert report["gain"] == "270.00"  # 1,080 − 0 − 810
    assert_return(report["time_weighted_return"], cumulative[-1])  # 0.0949…
    assert report["time_weighted_return_annualized"] is None  # under 365 days
    assert_xirr(
        report["money_weighted_return"],
        [
            (date(2024, 5, 1), Decimal(0)),
            (date(2024, 5, 2), Decimal(-1005)),
            (date(2024, 5, 3), Decimal(-550)),
            (date(2024, 5, 4), Decimal(27)),
            (date(2024, 5, 6), Decimal(718 + 1080)),
        ],
    )
    values = ["0.00", "1000.00", "1650.00", "1650.00", "1650.00", "1080.00"]
    days = [f"2024-05-0{day}" for day in range(1, 7)]
    assert [point["date"] for point in report["series"]] == days
    assert [point["value"] for point in report["series"]] == values
    for point, exact in zip(report["series"], cumulative, strict=True):
        assert set(point) == {"date", "value", "cumulative_return"}
        assert_return(point["cumulative_return"], exact)
    assert report["series"][0]["cumulative_return"] == "0.000000"

    # a period starting with holdings
    report = await get_performance(
        client, portfolio_id, **{"from": "2024-05-02", "to": "2024-05-06"}
    )
    # V_from = 1,000: the buy of 05-02 is before the period's flows (t in (from, to])
    assert report["start_value"] == "1000.00"
    assert report["end_value"] == "1080.00"
    assert report["net_inflow"] == "-195.00"  # 550 − 27 − 718
    assert report["gain"] == "275.00"  # 1,080 − 1,000 + 195
    exact = Fraction(1650, 1550) * Fraction(1677, 1650) * Fraction(1798, 1650) - 1
    assert_return(report["time_weighted_return"], exact)
    assert_xirr(
        report["money_weighted_return"],
        [
            (date(2024, 5, 2), Decimal(-1000)),
            (date(2024, 5, 3), Decimal(-550)),
            (date(2024, 5, 4), Decimal(27)),
            (date(2024, 5, 6), Decimal(1798)),
        ],
    )
    one_day = await get_performance(
        client, portfolio_id, **{"from": "2024-05-03", "to": "2024-05-03"}
    )
    assert one_day["days"] == 0
    assert one_day["start_value"] == one_day["end_value"] == "1650.00"
    assert one_day["time_weighted_return"] == "0.000000"
    assert one_day["money_weighted_return"] is None  # no period, no rate
    assert [point["date"] for point in one_day["series"]] == ["2024-05-03"]


async def test_splits_and_the_trade_price_fall_back(client: httpx.AsyncClient) -> None:
    portfolio_id = await create_portfolio(client)
    fallback = await create_stock(client, "FALL")
    adjusted = await create_stock(client, "ADJ")
    # FALL: no close before 06-05; bought 10 @ 40 on 06-03; 2-for-1 from 06-04; close 22 on 06-05
    await trade(client, portfolio_id, "BUY", fallback, "10", "40", "2024-06-03T15:00:00Z")
    await add_split(client, fallback, "2024-06-04", 2, 1)
    await set_prices(client, fallback, {"2024-06-05": "22"})
    # ADJ: close 50 on 06-03, bought 10 @ 50 that day; 2-for-1 from 06-05; close 26 on 06-06
    await set_prices(client, adjusted, {"2024-06-03": "50", "2024-06-06": "26"})
    await trade(client, portfolio_id, "BUY", adjusted, "10", "50", "2024-06-03T16:00:00Z")
    await add_split(client, adjusted, "2024-06-05", 2, 1)

    report = await get_performance(
        client, portfolio_id, **{"from": "2024-06-02", "to": "2024-06-06"}
    )
    # API.md, literally: the quantity has every split effective on or before t applied,
    # the price is the latest close on or before t *as traded*, else the latest trade
    # price as traded, whatever splits lie between (no conversion across a split).
    # FALL: 06-03 10 × 40 (the trade price: no close yet) = 400; 06-04 20 × 40 = 800;
    #       06-05 20 × 22 = 440; 06-06 20 × 22 = 440
    # ADJ:  06-03 10 × 50 = 500; 06-04 10 × 50 = 500; 06-05 20 × 50 (the 06-03 close)
    #       = 1,000; 06-06 20 × 26 = 520
    # V = 0, 900, 1,300, 1,440, 960; in = 400 + 500 on 06-03, no other flow
    assert [point["value"] for point in report["series"]] == [
        "0.00",
        "900.00",
        "1300.00",
        "1440.00",
        "960.00",
    ]
    # r: 06-03 900 / (0 + 900); 06-04 1,300 / 900; 06-05 1,440 / 1,300; 06-06 960 / 1,440
    growth = [Fraction(900, 900), Fraction(1300, 900), Fraction(1440, 1300), Fraction(960, 1440)]
    for point, exact in zip(report["series"], chained(growth), strict=True):
        assert_return(point["cumulative_return"], exact)
    assert_return(report["time_weighted_return"], Fraction(960, 900) - 1)
    assert (report["start_value"], report["end_value"]) == ("0.00", "960.00")
    assert (report["net_inflow"], report["gain"]) == ("900.00", "60.00")

    # a pre-split buy recorded after the split counts in its own units: 5 more FALL
    # on 06-03 (10 after the split) at 40
    await trade(client, portfolio_id, "BUY", fallback, "5", "40", "2024-06-03T17:00:00Z")
    again = await get_performance(
        client, portfolio_id, **{"from": "2024-06-02", "to": "2024-06-06"}
    )
    # FALL: 15 × 40 = 600; 30 × 40 = 1,200; 30 × 22 = 660; 660 — plus ADJ as above
    assert [point["value"] for point in again["series"]] == [
        "0.00",
        "1100.00",
        "1700.00",
        "1660.00",
        "1180.00",
    ]
    assert again["net_inflow"] == "1100.00"


async def test_annualized_only_for_a_year_or_more(client: httpx.AsyncClient) -> None:
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "YEAR")
    await set_prices(client, stock_id, {"2023-01-02": "100", "2023-12-29": "121"})
    await trade(client, portfolio_id, "BUY", stock_id, "10", "100", "2023-01-02T15:00:00Z")
    # V: 0 on 2023-01-01, 1,000 from 01-02, 1,210 from 12-29; TWR = 1,210 / 1,000 − 1 = 0.21
    year = await get_performance(client, portfolio_id, **{"from": "2023-01-01", "to": "2024-01-01"})
    assert year["days"] == 365
    assert_return(year["time_weighted_return"], 0.21)
    assert_return(year["time_weighted_return_annualized"], 0.21)  # 1.21^(365/365) − 1
    assert_xirr(
        year["money_weighted_return"],
        [(date(2023, 1, 2), Decimal(-1000)), (date(2024, 1, 1), Decimal(1210))],
    )
    longer = await get_performance(
        client, portfolio_id, **{"from": "2023-01-01", "to": "2024-06-30"}
    )
    assert longer["days"] == 546
    assert_return(longer["time_weighted_return"], 0.21)
    assert_return(longer["time_weighted_return_annualized"], 1.21 ** (365 / 546) - 1)
    shorter = await get_performance(
        client, portfolio_id, **{"from": "2023-01-02", "to": "2024-01-01"}
    )
    assert shorter["days"] == 364
    assert shorter["time_weighted_return_annualized"] is None
    assert_return(shorter["time_weighted_return"], 0.21)


def _today() -> date:
    return datetime.now(UTC).date()


async def test_defaults_are_the_day_before_the_first_transaction_to_today(
    client: httpx.AsyncClient,
) -> None:
    portfolio_id = await create_portfolio(client)
    empty = await get_performance(client, portfolio_id)
    assert empty["from"] == empty["to"] in {str(_today()), str(_today() - timedelta(days=1))}
    assert empty["days"] == 0
    assert empty["time_weighted_return"] == "0.000000"
    assert empty["money_weighted_return"] is None

    stock_id = await create_stock(client, "DFLT")
    voided = await cash(client, portfolio_id, "DEPOSIT", "100", "2024-02-20T10:00:00Z")
    await void(client, voided)  # voided transactions count nowhere
    await cash(client, portfolio_id, "DEPOSIT", "10000", "2024-03-01T10:00:00Z")
    await trade(client, portfolio_id, "BUY", stock_id, "10", "100", "2024-03-04T15:00:00Z")
    await set_prices(client, stock_id, {"2024-03-04": "100", "2024-04-02": "110"})
    before = _today()
    report = await get_performance(client, portfolio_id)
    after = _today()
    assert report["from"] == "2024-02-29"  # the day before the first transaction
    assert report["to"] in {str(before), str(after)}
    to = date.fromisoformat(report["to"])
    assert report["days"] == (to - date(2024, 2, 29)).days
    assert len(report["series"]) == report["days"] + 1
    assert report["series"][0] == {
        "date": "2024-02-29",
        "value": "0.00",
        "cumulative_return": "0.000000",
    }
    assert report["end_value"] == "1100.00"
    assert_return(report["time_weighted_return"], 0.1)
    # more than a year since 2024-02-29: annualized over the actual days
    assert_return(report["time_weighted_return_annualized"], 1.1 ** (365 / report["days"]) - 1)
    only_to = await get_performance(client, portfolio_id, to="2024-03-05")
    assert (only_to["from"], only_to["to"]) == ("2024-02-29", "2024-03-05")
    only_from = await get_performance(client, portfolio_id, **{"from": "2024-04-01"})
    assert only_from["from"] == "2024-04-01"
    assert only_from["to"] == report["to"]
