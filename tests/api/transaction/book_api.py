"""What the portfolio and transaction tests share: paths, helpers that drive the
API (asserting each setup step succeeded), problem checks and direct SQL peeks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import ColumnElement, Executable, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

API = "/api/v1"
PORTFOLIOS = f"{API}/portfolios"
STOCKS = f"{API}/stocks"
TRANSACTIONS = f"{API}/transactions"

TRANSACTION_FIELDS = {
    "id",
    "portfolio_id",
    "type",
    "stock_id",
    "symbol",
    "quantity",
    "price",
    "amount",
    "fee",
    "tax",
    "currency",
    "executed_at",
    "notes",
    "external_id",
    "recorded_at",
    "voided_at",
}


def transactions_url(portfolio_id: str) -> str:
    return f"{PORTFOLIOS}/{portfolio_id}/transactions"


def import_url(portfolio_id: str, dry_run: bool = False) -> str:
    suffix = "?dry_run=true" if dry_run else ""
    return f"{PORTFOLIOS}/{portfolio_id}/transactions/import{suffix}"


def export_url(portfolio_id: str) -> str:
    return f"{PORTFOLIOS}/{portfolio_id}/transactions/export"


def assert_problem(
    response: httpx.Response, status: int, code: str, *fields: str
) -> dict[str, Any]:
    """Assert an RFC 9457 problem response; ``fields`` must each be named in ``errors``."""
    assert response.status_code == status, response.text
    assert response.headers.get("content-type") == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "title", "status", "detail", "code", "errors", "request_id"}
    assert body["status"] == status
    assert body["code"] == code, body
    assert body["type"] == "urn:stockbook:problem:" + code.lower().replace("_", "-")
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    named = {error.get("field") for error in body["errors"]}
    for field in fields:
        assert field in named, f"{field} not in {body['errors']}"
    assert "Traceback" not in response.text
    return body


async def create_portfolio(
    client: httpx.AsyncClient, name: str = "Main", **fields: Any
) -> dict[str, Any]:
    response = await client.post(PORTFOLIOS, json={"name": name, **fields})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_stock(
    client: httpx.AsyncClient, symbol: str = "AAPL", **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        STOCKS, json={"symbol": symbol, "name": f"{symbol} Inc.", **fields}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def add_split(
    client: httpx.AsyncClient, stock_id: str, effective_date: str, numerator: int, denominator: int
) -> None:
    response = await client.post(
        f"{STOCKS}/{stock_id}/splits",
        json={"effective_date": effective_date, "numerator": numerator, "denominator": denominator},
    )
    assert response.status_code == 201, response.text


async def delist(client: httpx.AsyncClient, stock_id: str) -> None:
    response = await client.delete(f"{STOCKS}/{stock_id}")
    assert response.status_code == 204, response.text


def trade(
    kind: str, stock_id: str, quantity: str, at: str, price: str = "10", **extra: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "stock_id": stock_id,
        "quantity": quantity,
        "price": price,
        "executed_at": at,
        **extra,
    }


async def record(
    client: httpx.AsyncClient, portfolio_id: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.post(transactions_url(portfolio_id), json=body, headers=headers)


async def record_ok(
    client: httpx.AsyncClient, portfolio_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await record(client, portfolio_id, body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def buy(
    client: httpx.AsyncClient,
    portfolio_id: str,
    stock_id: str,
    quantity: str,
    at: str,
    **extra: Any,
) -> dict[str, Any]:
    return await record_ok(client, portfolio_id, trade("BUY", stock_id, quantity, at, **extra))


async def sell(
    client: httpx.AsyncClient,
    portfolio_id: str,
    stock_id: str,
    quantity: str,
    at: str,
    **extra: Any,
) -> dict[str, Any]:
    return await record_ok(client, portfolio_id, trade("SELL", stock_id, quantity, at, **extra))


async def post_raw(client: httpx.AsyncClient, url: str, json_text: str) -> httpx.Response:
    """POST a JSON body exactly as written (numbers stay bare numbers)."""
    return await client.post(
        url, content=json_text.encode(), headers={"content-type": "application/json"}
    )


async def post_csv(
    client: httpx.AsyncClient, url: str, content: str | bytes, **headers: str
) -> httpx.Response:
    raw = content.encode() if isinstance(content, str) else content
    return await client.post(url, content=raw, headers={"content-type": "text/csv", **headers})


async def list_all(
    client: httpx.AsyncClient, portfolio_id: str, **params: Any
) -> list[dict[str, Any]]:
    """Every page of the portfolio's transaction list."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 500, **params}
    while True:
        response = await client.get(transactions_url(portfolio_id), params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        if body["next_cursor"] is None:
            return items
        query["cursor"] = body["next_cursor"]


def net_quantities(items: Sequence[dict[str, Any]]) -> dict[str, Decimal]:
    """Per symbol: bought − sold (splits not applied), over live trades."""
    totals: dict[str, Decimal] = {}
    for item in items:
        if item["type"] in ("BUY", "SELL") and item["voided_at"] is None:
            sign = 1 if item["type"] == "BUY" else -1
            totals[item["symbol"]] = totals.get(item["symbol"], Decimal(0)) + sign * Decimal(
                item["quantity"]
            )
    return totals


def engine_of(app: FastAPI) -> AsyncEngine:
    engine: AsyncEngine = app.state.container.engine()
    return engine


async def execute(app: FastAPI, statement: Executable) -> list[Any]:
    """Run a statement on the app's database: a peek under the API, or a simulated state."""
    async with engine_of(app).begin() as connection:
        result = await connection.execute(statement)
        return list(result.all()) if result.returns_rows else []


async def count_rows(app: FastAPI, table: Table, *where: ColumnElement[bool]) -> int:
    rows = await execute(app, select(func.count()).select_from(table).where(*where))
    return int(rows[0][0])


async def outbox_payloads(app: FastAPI, table: Table, event_type: str) -> list[dict[str, Any]]:
    """The fields of every ``event_type`` event in the outbox ``table``, in commit order."""
    rows = await execute(app, select(table.c.events).order_by(table.c.written_at))
    return [fields for row in rows for name, fields in json.loads(row[0]) if name == event_type]
