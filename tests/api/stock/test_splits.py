"""POST and GET /stocks/{id}/splits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.stock.stock_api import STOCKS, CreateStock, assert_problem


@pytest.fixture
async def stock(create_stock: CreateStock) -> dict[str, Any]:
    return await create_stock("NVDA", "Nvidia")


def splits_url(stock: dict[str, Any]) -> str:
    return f"{STOCKS}/{stock['id']}/splits"


async def test_record_answers_201_with_location_and_the_split(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    response = await client.post(
        splits_url(stock), json={"effective_date": "2024-06-10", "numerator": 10, "denominator": 1}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "stock_id", "effective_date", "numerator", "denominator"}
    uuid.UUID(body["id"])
    assert body["stock_id"] == stock["id"]
    assert (body["effective_date"], body["numerator"], body["denominator"]) == (
        "2024-06-10",
        10,
        1,
    )
    assert response.headers["location"] == splits_url(stock)
    listed = await client.get(response.headers["location"])
    assert listed.json() == {"items": [body]}


async def test_splits_are_listed_ascending_by_date_one_per_date(
    client: httpx.AsyncClient, stock: dict[str, Any], create_stock: CreateStock
) -> None:
    assert (await client.get(splits_url(stock))).json() == {"items": []}
    for day, numerator, denominator in (
        ("2024-06-10", 10, 1),
        ("2021-07-20", 4, 1),
        ("2000-06-27", 1, 2),
    ):
        response = await client.post(
            splits_url(stock),
            json={"effective_date": day, "numerator": numerator, "denominator": denominator},
        )
        assert response.status_code == 201
    other = await create_stock("AAPL")
    same_date = {"effective_date": "2024-06-10", "numerator": 4, "denominator": 1}
    assert (await client.post(splits_url(other), json=same_date)).status_code == 201
    again = {"effective_date": "2024-06-10", "numerator": 2, "denominator": 1}
    body = assert_problem(
        await client.post(splits_url(stock), json=again), 422, "VALIDATION_ERROR", "effective_date"
    )
    assert "2024-06-10" in body["detail"]
    items = (await client.get(splits_url(stock))).json()["items"]
    assert [(i["effective_date"], i["numerator"], i["denominator"]) for i in items] == [
        ("2000-06-27", 1, 2),
        ("2021-07-20", 4, 1),
        ("2024-06-10", 10, 1),
    ]
    assert {i["stock_id"] for i in items} == {stock["id"]}
    assert len((await client.get(splits_url(other))).json()["items"]) == 1


TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()

INVALID_SPLITS: list[tuple[dict[str, object], str]] = [
    ({"effective_date": "2024-06-10", "numerator": 0, "denominator": 1}, "numerator"),
    ({"effective_date": "2024-06-10", "numerator": -2, "denominator": 1}, "numerator"),
    ({"effective_date": "2024-06-10", "numerator": 2, "denominator": 0}, "denominator"),
    ({"effective_date": "2024-06-10", "numerator": 1.5, "denominator": 1}, "numerator"),
    ({"effective_date": "2024-06-10", "numerator": "two", "denominator": 1}, "numerator"),
    ({"effective_date": "2024-06-10", "numerator": 2, "denominator": 1_000_001}, "denominator"),
    ({"effective_date": "2024-06-10", "numerator": 3, "denominator": 3}, "numerator"),
    # a JSON boolean is no integer (Python's True would be 1)
    ({"effective_date": "2024-06-10", "numerator": True, "denominator": 2}, "numerator"),
    ({"effective_date": "2024-06-10", "numerator": 2, "denominator": False}, "denominator"),
    ({"effective_date": "June 10", "numerator": 2, "denominator": 1}, "effective_date"),
    ({"effective_date": 1718000000, "numerator": 2, "denominator": 1}, "effective_date"),
    # not yet effective: applied now, it would change the shares held today
    ({"effective_date": TOMORROW, "numerator": 2, "denominator": 1}, "effective_date"),
    ({"effective_date": "2099-01-01", "numerator": 2, "denominator": 1}, "effective_date"),
    ({"effective_date": "9999-12-31", "numerator": 2, "denominator": 1}, "effective_date"),
    ({"numerator": 2, "denominator": 1}, "effective_date"),
    ({"effective_date": "2024-06-10", "denominator": 1}, "numerator"),
    (
        {"effective_date": "2024-06-10", "numerator": 2, "denominator": 1, "ratio": 2},
        "ratio",
    ),
]


async def test_invalid_splits_are_422_naming_the_field(
    client: httpx.AsyncClient, stock: dict[str, Any]
) -> None:
    for body, field in INVALID_SPLITS:
        response = await client.post(splits_url(stock), json=body)
        assert_problem(response, 422, "VALIDATION_ERROR", field)
    response = await client.post(
        splits_url(stock),
        content=b'{"effective_date": "2024-06-10", "numerator": 2, "denominator": 1}',
        headers={"content-type": "text/plain"},
    )
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert (await client.get(splits_url(stock))).json() == {"items": []}


async def test_splits_of_an_unknown_stock_are_404(client: httpx.AsyncClient) -> None:
    url = f"{STOCKS}/{uuid.uuid4()}/splits"
    split = {"effective_date": "2024-06-10", "numerator": 2, "denominator": 1}
    assert_problem(await client.post(url, json=split), 404, "NOT_FOUND")
    assert_problem(await client.get(url), 404, "NOT_FOUND")
    assert_problem(await client.get(f"{STOCKS}/nope/splits"), 404, "NOT_FOUND")
