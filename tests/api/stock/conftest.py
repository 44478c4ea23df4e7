"""Fixtures of the stock API tests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.stock.stock_api import STOCKS, CreateStock


@pytest.fixture
def create_stock(client: httpx.AsyncClient) -> CreateStock:
    """Register a stock through the API and return its body (asserts 201)."""

    async def create(
        symbol: str = "AAPL", name: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {"symbol": symbol, "name": name or f"{symbol} Inc.", **fields}
        response = await client.post(STOCKS, json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return create
