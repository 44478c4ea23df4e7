"""Fixtures of the transaction integration tests: the owner's portfolio and a stock."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.transaction.book_api import create_portfolio, create_stock


@pytest.fixture
async def portfolio(client: httpx.AsyncClient) -> dict[str, Any]:
    """owner@example.com's USD portfolio."""
    return await create_portfolio(client, "Main")


@pytest.fixture
async def stock(client: httpx.AsyncClient) -> dict[str, Any]:
    """AAPL, a listed USD stock."""
    return await create_stock(client, "AAPL")
