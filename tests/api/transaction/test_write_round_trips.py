"""What one recorded transaction costs in SQL, on SQLite and PostgreSQL.

Only a sale (or a void of a buy) can leave a position short, so only those
take the position's ledger lock and read its history; a buy touches neither,
and a new Idempotency-Key is claimed with a single statement. The share
ledger itself is tested in test_share_ledger.py and tests/reliability.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.transaction.book_api import buy, engine_of, record, trade
from tests.sql_log import statements_run

AT = "2025-01-15T10:00:00Z"


def ledger_work(seen: list[str]) -> list[str]:
    """Statements that lock a position or read its history of trades."""
    return [
        s
        for s in seen
        if "txn_positions" in s or (s.lstrip().startswith("select") and "txn_transactions" in s)
    ]


async def test_a_buy_neither_locks_nor_reads_its_position(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    # the first keyed request also forgets expired keys (at most once a minute)
    first = await record(
        client, portfolio["id"], trade("BUY", stock["id"], "5", AT), **{"Idempotency-Key": "first"}
    )
    assert first.status_code == 201, first.text
    with statements_run(engine_of(app)) as seen:
        response = await record(
            client,
            portfolio["id"],
            trade("BUY", stock["id"], "1", AT),
            **{"Idempotency-Key": "one-buy"},
        )
    assert response.status_code == 201, response.text
    assert seen  # the listener works
    assert ledger_work(seen) == []
    claims = [s for s in seen if "txn_idempotency_keys" in s]
    assert [s.split()[0] for s in claims] == ["insert", "update"]  # claimed, then completed


async def test_a_sale_locks_and_reads_its_position(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    await buy(client, portfolio["id"], stock["id"], "5", AT)
    with statements_run(engine_of(app)) as seen:
        response = await record(client, portfolio["id"], trade("SELL", stock["id"], "2", AT))
    assert response.status_code == 201, response.text
    work = ledger_work(seen)
    assert any("txn_positions" in s for s in work)
    assert any("txn_transactions" in s and "quantity" in s for s in work)
