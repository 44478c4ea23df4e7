"""PUT and GET /stocks/{id}/prices: exact decimals, replacement, ranges."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.stock.stock_api import STOCKS, CreateStock, assert_problem


@pytest.fixture
async def stock(create_stock: CreateStock) -> dict[str, Any]:
    return await create_stock("AAPL", "Apple")


def prices_url(stock: dict[str, Any]) -> str:
    return f"{STOCKS}/{stock['id']}/prices"


async def put_raw(client: httpx.AsyncClient, url: str, json_text: str) -> httpx.Response:
    """PUT a JSON body exactly as written (numbers stay bare numbers)."""
    return await client.put(
        url, content=json_text.encode(), headers={"content-type": "application/json"}
    )


async def test_put_records_prices_and_get_returns_them_ascending_as_strings(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    response = await client.put(
        prices_url(stock),
        json={
            "prices": [
                {"date": "2025-01-03", "close": "151.50"},
                {
                    "date": "2025-01-02",
                    "close": "150.25",
                    "open": "149.00",
                    "high": "152",
                    "low": "148.5",
                    "volume": 1000000,
                },
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 2}
    listed = await client.get(prices_url(stock))
    assert listed.status_code == 200
    assert listed.json() == {
        "items": [
            {
                "date": "2025-01-02",
                "close": "150.25",
                "open": "149.00",
                "high": "152",
                "low": "148.5",
                "volume": 1000000,
            },
            {
                "date": "2025-01-03",
                "close": "151.50",
                "open": None,
                "high": None,
                "low": None,
                "volume": None,
            },
        ]
    }


async def test_json_numbers_are_read_from_their_text_not_via_float(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    response = await put_raw(
        client,
        prices_url(stock),
        '{"prices": ['
        '{"date": "2025-01-02", "close": 123456789012.12345678, "open": 0.1,'
        ' "high": 123456789012.2, "low": 0.000000000001},'
        '{"date": "2025-01-03", "close": 42}'
        "]}",
    )
    assert response.status_code == 200, response.text
    items = (await client.get(prices_url(stock))).json()["items"]
    assert items[0]["close"] == "123456789012.12345678"
    assert items[0]["open"] == "0.1"
    assert items[0]["high"] == "123456789012.2"
    assert items[0]["low"] == "0.000000000001"
    assert items[1]["close"] == "42"


async def test_replacement_and_the_latest_price(
    client: httpx.AsyncClient, create_stock: CreateStock, stock: dict[str, Any]
) -> None:
    other = await create_stock("MSFT")
    first = {"date": "2025-01-02", "close": "100", "open": "99", "volume": 5}
    await client.put(
        prices_url(stock), json={"prices": [first, {"date": "2025-01-01", "close": "101"}]}
    )
    await client.put(prices_url(other), json={"prices": [{"date": "2025-01-05", "close": "7"}]})
    await client.put(prices_url(stock), json={"prices": [{"date": "2024-12-31", "close": "99"}]})
    fetched = (await client.get(f"{STOCKS}/{stock['id']}")).json()
    assert fetched["latest_price"] == {"date": "2025-01-02", "close": "100"}

    # a date already stored is replaced, whole
    response = await client.put(
        prices_url(stock), json={"prices": [{"date": "2025-01-02", "close": "100.50"}]}
    )
    assert response.json() == {"recorded": 1}
    items = (await client.get(prices_url(stock))).json()["items"]
    assert [item["date"] for item in items] == ["2024-12-31", "2025-01-01", "2025-01-02"]
    assert items[-1] == {
        "date": "2025-01-02",
        "close": "100.50",
        "open": None,
        "high": None,
        "low": None,
        "volume": None,
    }
    for url in (f"{STOCKS}/{stock['id']}", f"{STOCKS}/by-symbol/aapl"):
        assert (await client.get(url)).json()["latest_price"] == {
            "date": "2025-01-02",
            "close": "100.50",
        }
    listed = {s["symbol"]: s["latest_price"] for s in (await client.get(STOCKS)).json()["items"]}
    assert listed == {
        "AAPL": {"date": "2025-01-02", "close": "100.50"},
        "MSFT": {"date": "2025-01-05", "close": "7"},
    }
    assert [i["close"] for i in (await client.get(prices_url(other))).json()["items"]] == ["7"]


async def test_from_and_to_are_inclusive(client: httpx.AsyncClient, stock: dict[str, Any]) -> None:
    days = [date(2025, 1, d) for d in range(1, 11)]
    await client.put(
        prices_url(stock),
        json={"prices": [{"date": d.isoformat(), "close": str(d.day)} for d in reversed(days)]},
    )

    async def dates(**params: str) -> list[str]:
        response = await client.get(prices_url(stock), params=params)
        assert response.status_code == 200
        return [item["date"] for item in response.json()["items"]]

    assert await dates() == [d.isoformat() for d in days]
    assert await dates(**{"from": "2025-01-03", "to": "2025-01-05"}) == [
        "2025-01-03",
        "2025-01-04",
        "2025-01-05",
    ]
    assert await dates(**{"from": "2025-01-09"}) == ["2025-01-09", "2025-01-10"]
    assert await dates(to="2025-01-02") == ["2025-01-01", "2025-01-02"]
    assert await dates(**{"from": "2025-01-05", "to": "2025-01-05"}) == ["2025-01-05"]
    assert await dates(**{"from": "2025-01-06", "to": "2025-01-05"}) == []
    for name, value in (
        ("from", "yesterday"),
        ("to", "2025-13-01"),
        ("from", "1735776000"),  # Unix time: API.md's dates are YYYY-MM-DD
    ):
        response = await client.get(prices_url(stock), params={name: value})
        assert_problem(response, 422, "VALIDATION_ERROR", name)


async def test_prices_of_an_unknown_stock_are_404(client: httpx.AsyncClient) -> None:
    url = f"{STOCKS}/{uuid.uuid4()}/prices"
    assert_problem(await client.get(url), 404, "NOT_FOUND")
    body = {"prices": [{"date": "2025-01-02", "close": "1"}]}
    assert_problem(await client.put(url, json=body), 404, "NOT_FOUND")
    assert_problem(await client.put(f"{STOCKS}/nope/prices", json=body), 404, "NOT_FOUND")


async def test_1_to_10000_rows_are_accepted(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    start = date(1990, 1, 1)
    rows = [
        {"date": (start + timedelta(days=i)).isoformat(), "close": f"{i + 1}.5"}
        for i in range(10_000)
    ]
    response = await client.put(prices_url(stock), json={"prices": rows})
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 10_000}
    items = (await client.get(prices_url(stock))).json()["items"]
    assert len(items) == 10_000
    assert items[-1] == {
        "date": (start + timedelta(days=9999)).isoformat(),
        "close": "10000.5",
        "open": None,
        "high": None,
        "low": None,
        "volume": None,
    }
    for count in (0, 10_001):
        rows = [
            {"date": (start + timedelta(days=i)).isoformat(), "close": "1"} for i in range(count)
        ]
        response = await client.put(prices_url(stock), json={"prices": rows})
        assert_problem(response, 422, "VALIDATION_ERROR", "prices")
    assert (await client.get(prices_url(stock))).json()["items"][0]["close"] == "1.5"


async def test_bad_dates_in_a_request_are_422_and_nothing_is_stored(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    response = await client.put(
        prices_url(stock),
        json={
            "prices": [
                {"date": "2025-01-02", "close": "1"},
                {"date": "2025-01-03", "close": "2"},
                {"date": "2025-01-02", "close": "3"},
            ]
        },
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR", "prices.2.date")
    assert body["errors"] == [{"field": "prices.2.date", "message": "appears more than once"}]
    today = datetime.now(UTC).date()
    tomorrow, later = today + timedelta(days=1), today + timedelta(days=3)
    response = await client.put(
        prices_url(stock),
        json={
            "prices": [
                {"date": tomorrow.isoformat(), "close": "1"},  # time zones: still accepted
                {"date": later.isoformat(), "close": "1"},
            ]
        },
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR", "prices.1.date")
    assert body["errors"] == [{"field": "prices.1.date", "message": "is in the future"}]
    assert (await client.get(prices_url(stock))).json()["items"] == []


INVALID_ROWS: list[tuple[dict[str, object], str]] = [
    ({"date": "2025-01-02", "close": "0"}, "close"),
    ({"date": "2025-01-02", "close": "-1"}, "close"),
    ({"date": "2025-01-02", "close": -0.5}, "close"),
    ({"date": "2025-01-02", "close": "NaN"}, "close"),
    ({"date": "2025-01-02", "close": "Infinity"}, "close"),
    ({"date": "2025-01-02", "close": "-Infinity"}, "close"),
    ({"date": "2025-01-02", "close": "abc"}, "close"),
    ({"date": "2025-01-02", "close": "1" * 1000}, "close"),
    ({"date": "2025-01-02", "close": "0.0000000000001"}, "close"),
    ({"date": "2025-01-02", "close": "1", "open": "0"}, "open"),
    ({"date": "2025-01-02", "close": "1", "high": "-2"}, "high"),
    ({"date": "2025-01-02", "close": "1", "low": "0"}, "low"),
    ({"date": "2025-01-02", "close": "1", "high": "1", "low": "2"}, "high"),
    ({"date": "2025-01-02", "close": "1", "volume": -1}, "volume"),
    ({"date": "2025-01-02", "close": "1", "volume": 1.5}, "volume"),
    ({"date": "2025-01-02", "close": "1", "volume": True}, "volume"),  # not an integer in JSON
    ({"date": "2025-01-02", "close": "1", "volume": 2**63}, "volume"),
    ({"date": "2025-01-02"}, "close"),
    ({"close": "1"}, "date"),
    ({"date": "02/01/2025", "close": "1"}, "date"),
    # API.md: dates are YYYY-MM-DD, not another form ISO 8601 or pydantic reads
    ({"date": "2025-01-02T00:00:00", "close": "1"}, "date"),
    ({"date": 1735776000, "close": "1"}, "date"),  # Unix time of 2025-01-02
    ({"date": "2025-01-02", "close": "1", "adj_close": "1"}, "adj_close"),
]


async def test_every_bad_row_is_named_by_its_place(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    rows = [
        {"date": "2025-01-01", "close": "0"},
        {"date": "2025-01-02", "close": "5"},
        {"date": "2025-01-03", "close": "5", "high": "1", "low": "2"},
    ]
    body = assert_problem(
        await client.put(prices_url(stock), json={"prices": rows}), 422, "VALIDATION_ERROR"
    )
    assert [error["field"] for error in body["errors"]] == ["prices.0.close", "prices.2.high"]
    assert body["detail"].startswith("prices.0.close: ")
    assert (await client.get(prices_url(stock))).json()["items"] == []


async def test_invalid_prices_are_422_and_nothing_is_stored(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    good = {"date": "2025-01-01", "close": "5"}
    for row, field in INVALID_ROWS:
        response = await client.put(prices_url(stock), json={"prices": [good, row]})
        body = assert_problem(response, 422, "VALIDATION_ERROR")
        named = [error["field"] for error in body["errors"]]
        assert named == [f"prices.1.{field}"], (row, named)  # which row, in 10,000
    numbers = ["NaN", "Infinity", "-Infinity", "1" * 31, "1e999999999", "1e-999999999"]
    numbers += ["1" * 1000, "0." + "1" * 1000, "1" * 5000]  # 1,000 digits and more
    for number in numbers:
        response = await put_raw(
            client,
            prices_url(stock),
            f'{{"prices": [{{"date": "2025-01-02", "close": {number}}}]}}',
        )
        assert_problem(response, 422, "VALIDATION_ERROR")
    response = await client.put(
        prices_url(stock),
        content=b'{"prices": [{"date": "2025-01-02", "close": "1"}]}',
        headers={"content-type": "text/plain"},
    )
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert (await client.get(prices_url(stock))).json()["items"] == []
