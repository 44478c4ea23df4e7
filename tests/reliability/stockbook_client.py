"""Driving a real server over loopback: a user, a portfolio, a stock, and reads of
the ledger and the holdings projection (setup steps assert that they succeeded)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

API = "/api/v1"
PASSWORD = "correct horse battery staple"
SETTLE_TIMEOUT_SECONDS = 15.0


def http_client(base_url: str, token: str | None = None, **options: Any) -> httpx.AsyncClient:
    """A client of the server (no proxies from the environment: loopback only)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    options.setdefault("timeout", 30.0)
    return httpx.AsyncClient(base_url=base_url, headers=headers, trust_env=False, **options)


async def log_in(base_url: str, email: str) -> str:
    async with http_client(base_url) as anonymous:
        issued = await anonymous.post(
            f"{API}/auth/token", data={"username": email, "password": PASSWORD}
        )
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token


async def register_and_log_in(base_url: str) -> str:
    """A new user (a fresh email each time); returns an access token."""
    email = f"user-{uuid.uuid4().hex[:12]}@example.com"
    async with http_client(base_url) as anonymous:
        registered = await anonymous.post(
            f"{API}/auth/register", json={"email": email, "password": PASSWORD}
        )
    assert registered.status_code == 201, registered.text
    return await log_in(base_url, email)


async def create_stock(client: httpx.AsyncClient) -> dict[str, Any]:
    """A listed USD stock with a fresh symbol."""
    symbol = "R" + uuid.uuid4().hex[:8].upper()
    response = await client.post(f"{API}/stocks", json={"symbol": symbol, "name": symbol})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_portfolio(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(f"{API}/portfolios", json={"name": uuid.uuid4().hex[:20]})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def transactions_path(portfolio_id: str) -> str:
    return f"{API}/portfolios/{portfolio_id}/transactions"


def trade(kind: str, stock_id: str, quantity: str, price: str, at: str) -> dict[str, Any]:
    return {
        "type": kind,
        "stock_id": stock_id,
        "quantity": quantity,
        "price": price,
        "executed_at": at,
    }


async def record_ok(
    client: httpx.AsyncClient, portfolio_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(transactions_path(portfolio_id), json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def ledger(client: httpx.AsyncClient, portfolio_id: str) -> list[dict[str, Any]]:
    """Every transaction of the portfolio, voided ones included (every page)."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 500, "include_voided": "true"}
    for _ in range(1000):
        response = await client.get(transactions_path(portfolio_id), params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if body["next_cursor"] is None:
            return items
        query["cursor"] = body["next_cursor"]
    raise AssertionError("the transaction list never ended")


async def holdings(
    client: httpx.AsyncClient, portfolio_id: str, cost_basis: str = "fifo"
) -> dict[str, Any]:
    """The holdings projection, closed positions included."""
    response = await client.get(
        f"{API}/portfolios/{portfolio_id}/holdings",
        params={"include_closed": "true", "cost_basis": cost_basis},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def settled(client: httpx.AsyncClient, within: float = SETTLE_TIMEOUT_SECONDS) -> None:
    """Wait until every outbox event has been delivered (a retried delivery included)."""
    deadline = time.monotonic() + within
    while True:
        ready = await client.get("/health/ready")
        if ready.status_code == 200 and ready.json()["outbox_backlog"] == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the outbox is not delivered after {within} s: {ready.text}")
        await asyncio.sleep(0.1)
