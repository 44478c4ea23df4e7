"""Another user's portfolio or transaction is 404 on every route, reads and writes alike."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.transaction.book_api import (
    PORTFOLIOS,
    TRANSACTIONS,
    assert_problem,
    buy,
    export_url,
    import_url,
    list_all,
    post_csv,
    trade,
    transactions_url,
)
from tests.conftest import http_client

AT = "2025-01-15T10:00:00Z"


async def _state(client: httpx.AsyncClient, portfolio_id: str) -> tuple[Any, ...]:
    portfolio = (await client.get(f"{PORTFOLIOS}/{portfolio_id}")).json()
    return portfolio, await list_all(client, portfolio_id, include_voided="true")


async def test_every_portfolio_and_transaction_route_is_404_for_another_user(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    portfolio: dict[str, Any],
    stock: dict[str, Any],
) -> None:
    pid = portfolio["id"]
    bought = await buy(client, pid, stock["id"], "10", AT)
    tid = bought["id"]
    before = await _state(client, pid)
    csv = "executed_at,type,symbol,quantity,price\n2025-01-16,SELL,AAPL,1,1\n"
    attempts = [
        ("GET portfolio", other_client.get(f"{PORTFOLIOS}/{pid}")),
        ("PATCH portfolio", other_client.patch(f"{PORTFOLIOS}/{pid}", json={"name": "Mine"})),
        ("DELETE portfolio", other_client.delete(f"{PORTFOLIOS}/{pid}")),
        ("GET transactions", other_client.get(transactions_url(pid))),
        (
            "POST transaction",
            other_client.post(transactions_url(pid), json=trade("SELL", stock["id"], "1", AT)),
        ),
        (
            "POST transaction with key",
            other_client.post(
                transactions_url(pid),
                json={"type": "DEPOSIT", "amount": "1", "executed_at": AT},
                headers={"Idempotency-Key": "k"},
            ),
        ),
        ("GET transaction", other_client.get(f"{TRANSACTIONS}/{tid}")),
        ("DELETE transaction", other_client.delete(f"{TRANSACTIONS}/{tid}")),
        ("import", post_csv(other_client, import_url(pid), csv)),
        ("dry-run import", post_csv(other_client, import_url(pid, dry_run=True), csv)),
        ("export", other_client.get(export_url(pid))),
    ]
    unknown = "00000000-0000-4000-8000-000000000000"
    for name, attempt in attempts:
        response = await attempt
        body = assert_problem(response, 404, "NOT_FOUND")
        # identical to a missing one: nothing tells the two apart
        assert tid not in response.text, name
        assert "owner" not in body["detail"].lower(), name
    missing = await other_client.get(f"{PORTFOLIOS}/{unknown}")
    assert missing.json()["detail"] == (await other_client.get(f"{PORTFOLIOS}/{pid}")).json()[
        "detail"
    ].replace(pid, unknown)
    assert (await other_client.get(PORTFOLIOS)).json()["items"] == []
    assert await _state(client, pid) == before


async def test_every_route_needs_credentials_and_writes_need_write_scope(
    app: FastAPI,
    client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    portfolio: dict[str, Any],
    stock: dict[str, Any],
) -> None:
    pid = portfolio["id"]
    tid = (await buy(client, pid, stock["id"], "10", AT))["id"]
    csv = "executed_at,type,amount\n2025-01-16,DEPOSIT,1\n"
    created = await client.post("/api/v1/auth/api-keys", json={"name": "ro", "scope": "read"})
    assert created.status_code == 201, created.text
    async with http_client(app, created.json()["key"]) as reader:
        writes = [
            reader.post(PORTFOLIOS, json={"name": "New"}),
            reader.patch(f"{PORTFOLIOS}/{pid}", json={"name": "New"}),
            reader.delete(f"{PORTFOLIOS}/{pid}"),
            reader.post(transactions_url(pid), json=trade("SELL", stock["id"], "1", AT)),
            reader.delete(f"{TRANSACTIONS}/{tid}"),
            post_csv(reader, import_url(pid), csv),
        ]
        for attempt in writes:
            assert_problem(await attempt, 403, "INSUFFICIENT_SCOPE")
        assert (await reader.get(transactions_url(pid))).status_code == 200
        assert (await reader.get(f"{TRANSACTIONS}/{tid}")).status_code == 200
        assert (await reader.get(export_url(pid))).status_code == 200

    for method, url in (
        ("GET", PORTFOLIOS),
        ("POST", PORTFOLIOS),
        ("GET", f"{PORTFOLIOS}/{pid}"),
        ("PATCH", f"{PORTFOLIOS}/{pid}"),
        ("DELETE", f"{PORTFOLIOS}/{pid}"),
        ("GET", transactions_url(pid)),
        ("POST", transactions_url(pid)),
        ("GET", f"{TRANSACTIONS}/{tid}"),
        ("DELETE", f"{TRANSACTIONS}/{tid}"),
        ("POST", import_url(pid)),
        ("GET", export_url(pid)),
    ):
        body: dict[str, object] | None = {} if method in ("POST", "PATCH") else None
        response = await anonymous_client.request(method, url, json=body)
        assert_problem(response, 401, "UNAUTHENTICATED")
        assert response.headers["www-authenticate"] == "Bearer"
    assert len(await list_all(client, pid)) == 1
