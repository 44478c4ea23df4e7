"""Driving the API for the portfolio analytics tests: set-up steps that assert
they succeeded, the three report endpoints, and direct peeks at the projection.

Shared by ``tests/api/portfolio_analytics``, ``tests/integration/portfolio_projection``
and ``tests/cli/test_rebuild_projections.py``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from contexts.portfolio.application.projection import HoldingsProjector
from contexts.portfolio.infrastructure.tables import (
    cash_balances,
    holdings,
    source_transactions,
)
from contexts.transaction.contracts import TransactionHistory

API = "/api/v1"
PORTFOLIOS = f"{API}/portfolios"
STOCKS = f"{API}/stocks"
TRANSACTIONS = f"{API}/transactions"

CENT = Decimal("0.01")

REFERENCE_TRADES: list[tuple[str, str, str, str]] = [
    # (type, quantity, price, executed_at): Portfolio Performance's documented example
    ("BUY", "100", "95", "2024-01-02T15:00:00Z"),
    ("BUY", "200", "105", "2024-01-03T15:00:00Z"),
    ("BUY", "100", "107", "2024-01-04T15:00:00Z"),
    ("SELL", "150", "110", "2024-01-05T15:00:00Z"),
    ("BUY", "50", "100", "2024-01-08T15:00:00Z"),
    ("BUY", "300", "107.50", "2024-01-09T15:00:00Z"),
    ("SELL", "200", "108", "2024-01-10T15:00:00Z"),
]


def cents(value: Decimal | str | int) -> str:
    """``value`` as the API reports money: to the cent, half away from zero."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


async def create_portfolio(client: httpx.AsyncClient, name: str = "Main", **fields: Any) -> str:
    response = await client.post(PORTFOLIOS, json={"name": name, **fields})
    assert response.status_code == 201, response.text
    portfolio_id: str = response.json()["id"]
    return portfolio_id


async def create_stock(client: httpx.AsyncClient, symbol: str, **fields: Any) -> str:
    response = await client.post(
        STOCKS, json={"symbol": symbol, "name": f"{symbol} Corp.", **fields}
    )
    assert response.status_code == 201, response.text
    stock_id: str = response.json()["id"]
    return stock_id


async def set_prices(client: httpx.AsyncClient, stock_id: str, closes: dict[str, str]) -> None:
    """Record daily closes: ``{"2024-01-10": "108"}``."""
    response = await client.put(
        f"{STOCKS}/{stock_id}/prices",
        json={"prices": [{"date": day, "close": close} for day, close in closes.items()]},
    )
    assert response.status_code == 200, response.text


async def add_split(
    client: httpx.AsyncClient, stock_id: str, effective_date: str, numerator: int, denominator: int
) -> None:
    response = await client.post(
        f"{STOCKS}/{stock_id}/splits",
        json={"effective_date": effective_date, "numerator": numerator, "denominator": denominator},
    )
    assert response.status_code == 201, response.text


async def record(client: httpx.AsyncClient, portfolio_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"{PORTFOLIOS}/{portfolio_id}/transactions", json=body)


async def record_ok(client: httpx.AsyncClient, portfolio_id: str, **body: Any) -> str:
    response = await record(client, portfolio_id, **body)
    assert response.status_code == 201, response.text
    transaction_id: str = response.json()["id"]
    return transaction_id


async def trade(
    client: httpx.AsyncClient,
    portfolio_id: str,
    kind: str,
    stock_id: str,
    quantity: str,
    price: str,
    at: str,
    **extra: Any,
) -> str:
    return await record_ok(
        client,
        portfolio_id,
        type=kind,
        stock_id=stock_id,
        quantity=quantity,
        price=price,
        executed_at=at,
        **extra,
    )


async def cash(
    client: httpx.AsyncClient, portfolio_id: str, kind: str, amount: str, at: str, **extra: Any
) -> str:
    return await record_ok(client, portfolio_id, type=kind, amount=amount, executed_at=at, **extra)


async def income(
    client: httpx.AsyncClient,
    portfolio_id: str,
    kind: str,
    stock_id: str,
    amount: str,
    at: str,
    **extra: Any,
) -> str:
    """A DIVIDEND (or a FEE) of a stock."""
    return await record_ok(
        client, portfolio_id, type=kind, stock_id=stock_id, amount=amount, executed_at=at, **extra
    )


async def void(client: httpx.AsyncClient, transaction_id: str) -> None:
    response = await client.delete(f"{TRANSACTIONS}/{transaction_id}")
    assert response.status_code == 204, response.text


async def record_reference_trades(
    client: httpx.AsyncClient, portfolio_id: str, stock_id: str
) -> None:
    for kind, quantity, price, at in REFERENCE_TRADES:
        await trade(client, portfolio_id, kind, stock_id, quantity, price, at)


async def get_holdings(
    client: httpx.AsyncClient, portfolio_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(f"{PORTFOLIOS}/{portfolio_id}/holdings", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_allocation(
    client: httpx.AsyncClient, portfolio_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(f"{PORTFOLIOS}/{portfolio_id}/allocation", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_performance(
    client: httpx.AsyncClient, portfolio_id: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(f"{PORTFOLIOS}/{portfolio_id}/performance", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_symbol(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {line["symbol"]: line for line in report["holdings"]}


# --- under the API -------------------------------------------------------------


def projector_of(app: FastAPI) -> HoldingsProjector:
    projector: HoldingsProjector = app.state.container.portfolio.projector()
    return projector


def history_of(app: FastAPI) -> TransactionHistory:
    history: TransactionHistory = app.state.container.transaction.history()
    return history


async def differences(app: FastAPI, portfolio_id: str) -> list[str]:
    """Where the stored projection differs from a replay of the book."""
    return await projector_of(app).differences(UUID(portfolio_id), history_of(app))


async def projection_row_counts(app: FastAPI, portfolio_id: str) -> dict[str, int]:
    """How many rows of each projection table belong to the portfolio."""
    counts: dict[str, int] = {}
    engine = app.state.container.engine()
    async with engine.connect() as connection:
        for table in (source_transactions, holdings, cash_balances):
            counts[table.name] = int(
                await connection.scalar(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.portfolio_id == UUID(portfolio_id))
                )
                or 0
            )
    return counts
