"""POST /stocks, GET /stocks/{id}, GET /stocks/by-symbol/{symbol}."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.api.stock.stock_api import STOCKS, CreateStock, assert_problem

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

FULL = {
    "symbol": "aapl",
    "name": "  Apple Inc.  ",
    "currency": "usd",
    "sector": "Information Technology",
    "industry_group": "Technology Hardware & Equipment",
    "exchange": "NASDAQ",
    "grade": "a",
    "notes": "core holding",
}


async def test_create_answers_201_with_location_etag_and_the_stock(
    client: httpx.AsyncClient,
) -> None:
    before = datetime.now(UTC)
    response = await client.post(STOCKS, json=FULL)
    assert response.status_code == 201, response.text
    body = response.json()
    stock_id = uuid.UUID(body["id"])
    assert response.headers["location"] == f"/api/v1/stocks/{stock_id}"
    assert response.headers["etag"] == '"1"'
    assert response.headers["content-type"] == "application/json"
    assert set(body) == {
        "id",
        "symbol",
        "name",
        "currency",
        "sector",
        "industry_group",
        "exchange",
        "grade",
        "notes",
        "listed",
        "latest_price",
        "created_at",
        "updated_at",
        "version",
    }
    assert {k: body[k] for k in body if k not in ("id", "created_at", "updated_at")} == {
        "symbol": "AAPL",
        "name": "Apple Inc.",
        "currency": "USD",
        "sector": "Information Technology",
        "industry_group": "Technology Hardware & Equipment",
        "exchange": "NASDAQ",
        "grade": "A",
        "notes": "core holding",
        "listed": True,
        "latest_price": None,
        "version": 1,
    }
    assert TIMESTAMP.match(body["created_at"]), body["created_at"]
    assert body["created_at"] == body["updated_at"]
    created = datetime.fromisoformat(body["created_at"])
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"1"'


async def test_create_with_only_symbol_and_name_uses_the_defaults(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(STOCKS, json={"symbol": "7203.t", "name": "Toyota"})
    assert response.status_code == 201
    body = response.json()
    assert (body["symbol"], body["currency"]) == ("7203.T", "USD")
    for field in ("sector", "industry_group", "exchange", "grade", "notes"):
        assert body[field] is None


async def test_a_symbol_is_taken_whatever_its_case(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    await create_stock("AAPL")
    for symbol in ("AAPL", "aapl", "AaPl", " aapl "):
        response = await client.post(STOCKS, json={"symbol": symbol, "name": "Another"})
        body = assert_problem(response, 409, "SYMBOL_TAKEN")
        assert "AAPL" in body["detail"]
    listing = await client.get(STOCKS)
    assert [item["name"] for item in listing.json()["items"]] == ["AAPL Inc."]


INVALID_BODIES: list[tuple[dict[str, object], str]] = [
    ({"symbol": "AAPL", "name": "Apple", "ticker": "AAPL"}, "ticker"),
    ({"symbol": "AAPL", "name": "Apple", "sectr": "Energy"}, "sectr"),
    ({"symbol": "AAPL"}, "name"),
    ({"name": "Apple"}, "symbol"),
    ({"symbol": "-AAPL", "name": "Apple"}, "symbol"),
    ({"symbol": "ABCDEFGHIJKLM", "name": "Apple"}, "symbol"),
    ({"symbol": "ÄPL", "name": "Apple"}, "symbol"),
    ({"symbol": "", "name": "Apple"}, "symbol"),
    ({"symbol": 123, "name": "Apple"}, "symbol"),
    ({"symbol": "AAPL", "name": "   "}, "name"),
    ({"symbol": "AAPL", "name": "n" * 201}, "name"),
    ({"symbol": "AAPL", "name": "Apple", "currency": "XYZ"}, "currency"),
    ({"symbol": "AAPL", "name": "Apple", "currency": "US"}, "currency"),
    ({"symbol": "AAPL", "name": "Apple", "currency": "USDD"}, "currency"),
    ({"symbol": "AAPL", "name": "Apple", "sector": "Tech"}, "sector"),
    ({"symbol": "AAPL", "name": "Apple", "industry_group": "Banks"}, "industry_group"),
    (
        {"symbol": "AAPL", "name": "Apple", "sector": "Energy", "industry_group": "Banks"},
        "industry_group",
    ),
    (
        {"symbol": "AAPL", "name": "A", "sector": "Energy", "industry_group": "Quantum"},
        "industry_group",
    ),
    ({"symbol": "AAPL", "name": "Apple", "grade": "E"}, "grade"),
    ({"symbol": "AAPL", "name": "Apple", "notes": "n" * 1001}, "notes"),
    ({"symbol": "AAPL", "name": "Apple", "exchange": "e" * 101}, "exchange"),
]


async def test_invalid_bodies_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    for body, field in INVALID_BODIES:
        response = await client.post(STOCKS, json=body)
        assert_problem(response, 422, "VALIDATION_ERROR", field)
    assert (await client.get(STOCKS)).json()["items"] == []


async def test_every_problem_of_a_body_is_listed(client: httpx.AsyncClient) -> None:
    response = await client.post(STOCKS, json={"symbol": "A", "name": "A", "colour": "red"})
    body = assert_problem(response, 422, "VALIDATION_ERROR", "colour")
    assert body["errors"] == [{"field": "colour", "message": "unknown field"}]
    response = await client.post(STOCKS, json={"colour": "red", "size": 3})
    body = assert_problem(response, 422, "VALIDATION_ERROR", "colour", "size", "symbol", "name")
    assert {"field": "symbol", "message": "is required"} in body["errors"]


async def test_a_body_that_is_not_a_json_object_is_422(client: httpx.AsyncClient) -> None:
    for content in (b"not json", b"[1, 2]", b'"text"', b"", b'{"symbol": ', b"\xff\xfe"):
        response = await client.post(
            STOCKS, content=content, headers={"content-type": "application/json"}
        )
        assert_problem(response, 422, "VALIDATION_ERROR")


async def test_get_by_symbol_is_case_insensitive(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    created = await create_stock("BRK.B", "Berkshire Hathaway")
    for symbol in ("BRK.B", "brk.b", "Brk.B"):
        response = await client.get(f"{STOCKS}/by-symbol/{symbol}")
        assert response.status_code == 200
        assert response.json() == created
        assert response.headers["etag"] == '"1"'


async def test_unknown_and_malformed_references_are_404(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    body = assert_problem(await client.get(f"{STOCKS}/by-symbol/NOPE"), 404, "NOT_FOUND")
    assert "NOPE" in body["detail"]
    await create_stock("S")
    await create_stock("FI")
    for look_alike in ("ſ", "ﬁ"):  # "ſ".upper() == "S", "ﬁ".upper() == "FI": not symbols
        assert_problem(await client.get(f"{STOCKS}/by-symbol/{look_alike}"), 404, "NOT_FOUND")
    assert_problem(await client.get(f"{STOCKS}/{uuid.uuid4()}"), 404, "NOT_FOUND")
    for stock_id in ("not-a-uuid", "123", "AAPL", "%00"):  # as if unknown, not 422
        assert_problem(await client.get(f"{STOCKS}/{stock_id}"), 404, "NOT_FOUND")
