"""A crash between commit and delivery, with a real server killed by a fail-point.

The server is started with ``STOCKBOOK_FAILPOINT=after-commit``: the first unit
of work that commits events SIGKILLs its own process before delivering them.
A BUY sent with an Idempotency-Key commits (the transaction, its outbox event
and the key's stored answer, in one database transaction) and the connection
drops. A server restarted on the same database without the fail-point must
then deliver the orphaned event at once (not after the outbox's grace), apply
it exactly once, and answer the client's retry with the original response.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from contexts.transaction.infrastructure.tables import outbox
from shared_kernel.infrastructure.database import create_engine
from shared_kernel.infrastructure.outbox import IMMEDIATE_DELIVERY_GRACE
from tests.reliability.conftest import DATABASES, NewDatabase, StartServer
from tests.reliability.stockbook_client import (
    API,
    create_portfolio,
    create_stock,
    holdings,
    http_client,
    ledger,
    record_ok,
    register_and_log_in,
    settled,
    trade,
    transactions_path,
)

DEPOSIT = Decimal("10000")
QUANTITY = Decimal("40")
PRICE = Decimal("101.37")
FEE = Decimal("4.95")
KEY = "buy-before-the-crash"
CONVERGENCE_SECONDS = IMMEDIATE_DELIVERY_GRACE.total_seconds() / 2
"""The restarted relay must not wait out the grace it leaves a live request."""


async def outbox_rows(database_url: str) -> list[Any]:
    engine = create_engine(make_url(database_url))
    try:
        async with engine.connect() as connection:
            query = select(outbox.c.events, outbox.c.delivered_at, outbox.c.attempts)
            return list((await connection.execute(query)).all())
    finally:
        await engine.dispose()


def event_types(events: str) -> list[str]:
    return [name for name, _ in json.loads(events)]


def sqlite_integrity(database_url: str) -> str:
    path = make_url(database_url).database
    assert path is not None
    with sqlite3.connect(path) as connection:
        (result,) = connection.execute("PRAGMA integrity_check").fetchone()
    connection.close()
    return str(result)


async def position_and_cash(client: httpx.AsyncClient, portfolio_id: str) -> tuple[str, str]:
    report = await holdings(client, portfolio_id)
    quantities = [line["quantity"] for line in report["holdings"]]
    return ",".join(quantities), report["totals"]["cash_balance"]


@pytest.mark.parametrize("kind", DATABASES)
async def test_a_crash_after_commit_loses_nothing_and_applies_nothing_twice(
    kind: str, new_database: NewDatabase, start_server: StartServer
) -> None:
    database_url = await asyncio.to_thread(new_database, kind)

    # Set up on a healthy server (every write commits events: the fail-point would fire).
    healthy = await asyncio.to_thread(start_server, database_url)
    token = await register_and_log_in(healthy.base_url)
    async with http_client(healthy.base_url, token) as client:
        stock_id = (await create_stock(client))["id"]
        portfolio_id = (await create_portfolio(client))["id"]
        await record_ok(
            client,
            portfolio_id,
            {"type": "DEPOSIT", "amount": str(DEPOSIT), "executed_at": "2025-01-02T09:00:00Z"},
        )
    await asyncio.to_thread(healthy.stop)
    buy = trade("BUY", stock_id, str(QUANTITY), str(PRICE), "2025-01-03T15:30:00Z")
    buy["fee"] = str(FEE)

    # The BUY commits, then the process kills itself before delivering the event.
    armed = await asyncio.to_thread(start_server, database_url, STOCKBOOK_FAILPOINT="after-commit")
    async with http_client(armed.base_url, token) as client:
        with pytest.raises(httpx.TransportError):
            await client.post(
                transactions_path(portfolio_id), json=buy, headers={"Idempotency-Key": KEY}
            )
    assert await asyncio.to_thread(armed.wait_for_exit, 10) == -signal.SIGKILL
    # Committed, not delivered: the BUY's event waits in the outbox, never attempted.
    rows = await outbox_rows(database_url)
    pending = [(event_types(row.events), row.attempts) for row in rows if row.delivered_at is None]
    assert pending == [(["TransactionRecorded"], 0)]

    # Restarted without the fail-point: the projection converges, within the bound.
    restarted = await asyncio.to_thread(start_server, database_url)
    cost = QUANTITY * PRICE + FEE
    expected = (f"{QUANTITY}", f"{DEPOSIT - cost:.2f}")
    async with http_client(restarted.base_url, token) as client:
        deadline = time.monotonic() + CONVERGENCE_SECONDS
        while (seen := await position_and_cash(client, portfolio_id)) != expected:
            assert time.monotonic() < deadline, f"holdings {seen}, expected {expected}"
            await asyncio.sleep(0.05)
        converged = CONVERGENCE_SECONDS - (deadline - time.monotonic())

        # The retry gets the original answer; nothing is recorded or applied again.
        retries = [
            await client.post(
                transactions_path(portfolio_id), json=buy, headers={"Idempotency-Key": KEY}
            )
            for _ in range(2)
        ]
        assert [r.status_code for r in retries] == [201, 201], [r.text for r in retries]
        assert retries[0].content == retries[1].content
        original = retries[0].json()
        stored = await client.get(f"{API}/transactions/{original['id']}")
        assert stored.status_code == 200, stored.text
        assert stored.json() == original  # the transaction recorded before the crash
        assert retries[0].headers["location"] == f"{API}/transactions/{original['id']}"
        book = await ledger(client, portfolio_id)
        assert sorted(t["type"] for t in book) == ["BUY", "DEPOSIT"]
        assert [t["id"] for t in book if t["type"] == "BUY"] == [original["id"]]
        await settled(client)
        assert await position_and_cash(client, portfolio_id) == expected
        report = await holdings(client, portfolio_id)
        (line,) = report["holdings"]
        assert Decimal(line["cost_basis"]) == cost.quantize(Decimal("0.01"))
    await asyncio.to_thread(restarted.stop)

    rows = await outbox_rows(database_url)
    assert all(row.delivered_at is not None for row in rows), rows
    if kind == "sqlite":
        assert sqlite_integrity(database_url) == "ok"
    print(f"\n{kind}: converged {converged:.2f} s after the restart was ready")
