"""Racing requests through the real app, on SQLite and PostgreSQL: the ledger holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from fastapi import FastAPI

from contexts.transaction.infrastructure.tables import outbox, transactions
from tests.api.transaction.book_api import (
    TRANSACTIONS,
    assert_problem,
    buy,
    count_rows,
    list_all,
    net_quantities,
    outbox_payloads,
    record,
    trade,
)

AT = "2025-01-15T10:00:00Z"


async def test_50_concurrent_sales_of_1_against_20_held_exactly_20_succeed(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "20", "2025-01-02T00:00:00Z")
    responses = await asyncio.gather(
        *(record(client, pid, trade("SELL", sid, "1", AT)) for _ in range(50))
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 20, 409: 30}, [r.text for r in responses if r.status_code >= 500]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "INSUFFICIENT_QUANTITY")
    items = await list_all(client, pid)
    assert len(items) == 21
    assert net_quantities(items) == {"AAPL": 0}
    assert await count_rows(app, transactions) == 21
    assert len(await outbox_payloads(app, outbox, "TransactionRecorded")) == 21


async def test_20_concurrent_retries_with_one_idempotency_key_record_once(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid = portfolio["id"]
    body = trade("BUY", stock["id"], "3", AT, price="1.25")
    responses = await asyncio.gather(
        *(record(client, pid, body, **{"Idempotency-Key": "once"}) for _ in range(20))
    )
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    assert statuses[201] >= 1
    created = [r for r in responses if r.status_code == 201]
    assert len({r.content for r in created}) == 1  # every success is the same answer
    assert len({r.headers["location"] for r in created}) == 1
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "IDEMPOTENCY_KEY_IN_USE")
    items = await list_all(client, pid, include_voided="true")
    assert [t["id"] for t in items] == [created[0].json()["id"]]
    # once settled, every retry is answered the original response
    retry = await record(client, pid, body, **{"Idempotency-Key": "once"})
    assert (retry.status_code, retry.content) == (201, created[0].content)


async def test_racing_buys_sales_and_voids_never_leave_the_ledger_short(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    lots = [await buy(client, pid, sid, "1", f"2025-01-0{1 + i % 9}T00:00:00Z") for i in range(10)]
    sale_at = "2025-01-20T00:00:00Z"
    operations = [record(client, pid, trade("SELL", sid, "1", sale_at)) for _ in range(12)]
    operations += [client.delete(f"{TRANSACTIONS}/{lot['id']}") for lot in lots]
    responses = await asyncio.gather(*operations)
    assert {r.status_code for r in responses} <= {201, 204, 409}, [r.text for r in responses]
    sold = sum(1 for r in responses[:12] if r.status_code == 201)
    voided = sum(1 for r in responses[12:] if r.status_code == 204)
    assert sold + voided == 10  # every share either sold or its purchase voided
    items = await list_all(client, pid)
    assert net_quantities(items) == {"AAPL": 0}


async def test_concurrent_voids_of_one_transaction_void_it_once(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    bought = await buy(client, portfolio["id"], stock["id"], "5", AT)
    responses = await asyncio.gather(
        *(client.delete(f"{TRANSACTIONS}/{bought['id']}") for _ in range(10))
    )
    assert [r.status_code for r in responses] == [204] * 10
    assert len(await outbox_payloads(app, outbox, "TransactionVoided")) == 1
    voided_at = (await client.get(f"{TRANSACTIONS}/{bought['id']}")).json()["voided_at"]
    assert voided_at is not None


async def test_of_concurrent_voids_that_saw_it_live_one_voids_it_the_others_are_412(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    bought = await buy(client, portfolio["id"], stock["id"], "5", AT)
    responses = await asyncio.gather(
        *(
            client.delete(f"{TRANSACTIONS}/{bought['id']}", headers={"If-Match": '"1"'})
            for _ in range(10)
        )
    )
    assert sorted(r.status_code for r in responses) == [204] + [412] * 9
    assert len(await outbox_payloads(app, outbox, "TransactionVoided")) == 1
