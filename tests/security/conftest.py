"""A real stock, portfolio and transaction of owner@example.com, for the security tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest


@dataclass(frozen=True)
class OwnerData:
    stock_id: str
    portfolio_id: str
    transaction_id: str


async def _created(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/api/v1{path}", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
async def owner_data(client: httpx.AsyncClient) -> OwnerData:
    stock = await _created(client, "/stocks", {"symbol": "SAFE", "name": "Safe Inc."})
    prices = await client.put(
        f"/api/v1/stocks/{stock['id']}/prices",
        json={"prices": [{"date": "2025-01-02", "close": "10"}]},
    )
    assert prices.status_code == 200, prices.text
    portfolio = await _created(client, "/portfolios", {"name": "Mine", "description": "private"})
    pid = portfolio["id"]
    await _created(
        client,
        f"/portfolios/{pid}/transactions",
        {"type": "DEPOSIT", "amount": "1000", "executed_at": "2025-01-01T10:00:00Z"},
    )
    buy = await _created(
        client,
        f"/portfolios/{pid}/transactions",
        {
            "type": "BUY",
            "stock_id": stock["id"],
            "quantity": "10",
            "price": "10",
            "executed_at": "2025-01-02T10:00:00Z",
        },
    )
    return OwnerData(stock_id=stock["id"], portfolio_id=pid, transaction_id=buy["id"])
