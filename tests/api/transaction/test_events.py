"""TransactionRecorded/TransactionVoided through the outbox; PortfolioDeleted removes the book."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from contexts.portfolio.contracts import PortfolioDeleted
from contexts.transaction.infrastructure.tables import (
    idempotency_keys,
    inbox,
    outbox,
    positions,
    transactions,
)
from tests.api.transaction.book_api import (
    PORTFOLIOS,
    TRANSACTIONS,
    assert_problem,
    buy,
    count_rows,
    create_portfolio,
    import_url,
    list_all,
    outbox_payloads,
    post_csv,
    record,
    sell,
    trade,
)

AT = "2025-01-15T10:00:00Z"


def _payload_matches(payload: dict[str, Any], body: dict[str, Any], owner_id: str) -> None:
    data = payload["transaction"]
    assert data == {
        "transaction_id": body["id"],
        "portfolio_id": body["portfolio_id"],
        "owner_id": owner_id,
        "type": body["type"],
        "stock_id": body["stock_id"],
        "symbol": body["symbol"],
        "quantity": body["quantity"],
        "price": body["price"],
        "amount": body["amount"],
        "fee": body["fee"],
        "tax": body["tax"],
        "currency": body["currency"],
        "executed_at": data["executed_at"],
        "recorded_at": data["recorded_at"],
        "voided_at": data["voided_at"],
        "external_id": body["external_id"],
    }
    assert datetime.fromisoformat(data["executed_at"]) == datetime.fromisoformat(
        body["executed_at"]
    )
    assert datetime.fromisoformat(data["recorded_at"]) == datetime.fromisoformat(
        body["recorded_at"]
    )
    assert UUID(payload["event_id"])


async def test_record_void_and_import_write_events_with_the_whole_transaction(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    owner_id = (await client.get("/api/v1/auth/me")).json()["id"]
    bought = await buy(
        client, portfolio["id"], stock["id"], "10", AT, price="0.1", fee="1", external_id="e-1"
    )
    recorded = await outbox_payloads(app, outbox, "TransactionRecorded")
    assert len(recorded) == 1
    _payload_matches(recorded[0], bought, owner_id)
    assert recorded[0]["transaction"]["voided_at"] is None

    assert (await client.delete(f"{TRANSACTIONS}/{bought['id']}")).status_code == 204
    voided = await outbox_payloads(app, outbox, "TransactionVoided")
    assert len(voided) == 1
    fetched = (await client.get(f"{TRANSACTIONS}/{bought['id']}")).json()
    _payload_matches(voided[0], fetched, owner_id)
    assert datetime.fromisoformat(voided[0]["transaction"]["voided_at"]) == datetime.fromisoformat(
        fetched["voided_at"]
    )
    # voiding again publishes nothing more
    assert (await client.delete(f"{TRANSACTIONS}/{bought['id']}")).status_code == 204
    assert len(await outbox_payloads(app, outbox, "TransactionVoided")) == 1

    # refused writes publish nothing
    assert_problem(
        await record(client, portfolio["id"], trade("SELL", stock["id"], "1", AT)),
        409,
        "INSUFFICIENT_QUANTITY",
    )
    csv = "executed_at,type,amount\n2025-01-02,DEPOSIT,1\n2025-01-03,INTEREST,2\n"
    dry = await post_csv(client, import_url(portfolio["id"], dry_run=True), csv)
    assert dry.status_code == 200
    assert len(await outbox_payloads(app, outbox, "TransactionRecorded")) == 1

    # an import publishes one event per row, all in the outbox entry of its commit
    entries_before = await count_rows(app, outbox)
    assert (await post_csv(client, import_url(portfolio["id"]), csv)).status_code == 200
    recorded = await outbox_payloads(app, outbox, "TransactionRecorded")
    assert len(recorded) == 3
    assert sorted(p["transaction"]["amount"] for p in recorded[1:]) == ["1", "2"]
    assert await count_rows(app, outbox) == entries_before + 1
    assert await count_rows(app, outbox, outbox.c.event_count == 2) == 1
    # delivered right away (the book's own subscriber and the projections have them)
    assert await count_rows(app, outbox, outbox.c.delivered_at.is_(None)) == 0


async def test_deleting_a_portfolio_removes_its_whole_book_and_nothing_else(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    kept = await create_portfolio(client, "Kept")
    doomed_txn = await buy(client, portfolio["id"], stock["id"], "10", AT)
    await sell(client, portfolio["id"], stock["id"], "1", AT)  # a sale holds its position's lock
    keyed = await record(
        client,
        portfolio["id"],
        {"type": "DEPOSIT", "amount": "1", "executed_at": AT},
        **{"Idempotency-Key": "dep"},
    )
    assert keyed.status_code == 201
    kept_txn = await buy(client, kept["id"], stock["id"], "3", AT)
    await sell(client, kept["id"], stock["id"], "1", AT)
    await record(
        client,
        kept["id"],
        {"type": "DEPOSIT", "amount": "1", "executed_at": AT},
        **{"Idempotency-Key": "kept"},
    )
    doomed = UUID(portfolio["id"])
    assert await count_rows(app, positions, positions.c.portfolio_id == doomed) == 1

    assert (await client.delete(f"{PORTFOLIOS}/{portfolio['id']}")).status_code == 204

    assert_problem(await client.get(f"{TRANSACTIONS}/{doomed_txn['id']}"), 404, "NOT_FOUND")
    assert_problem(
        await client.get(f"/api/v1/portfolios/{portfolio['id']}/transactions"), 404, "NOT_FOUND"
    )
    assert await count_rows(app, transactions, transactions.c.portfolio_id == doomed) == 0
    assert await count_rows(app, positions, positions.c.portfolio_id == doomed) == 0
    assert await count_rows(app, idempotency_keys, idempotency_keys.c.portfolio_id == doomed) == 0
    # the other portfolio keeps everything
    assert kept_txn["id"] in [t["id"] for t in await list_all(client, kept["id"])]
    assert await count_rows(app, idempotency_keys) == 1
    assert await count_rows(app, positions) == 1


async def test_a_redelivered_portfolio_deleted_event_is_harmless(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    await buy(client, portfolio["id"], stock["id"], "10", AT)
    owner_id = UUID((await client.get("/api/v1/auth/me")).json()["id"])
    assert (await client.delete(f"{PORTFOLIOS}/{portfolio['id']}")).status_code == 204
    deleted = await outbox_payloads(
        app, app.state.container.portfolio.outbox().table, "PortfolioDeleted"
    )
    assert len(deleted) == 1
    event = PortfolioDeleted(
        event_id=UUID(deleted[0]["event_id"]),
        occurred_at=datetime.now(UTC),
        portfolio_id=UUID(portfolio["id"]),
        owner_id=owner_id,
    )
    bus = app.state.container.bus()
    inbox_rows = await count_rows(app, inbox)
    assert await bus.dispatch([event]) == {}  # the same event again: skipped by the inbox
    assert await count_rows(app, inbox) == inbox_rows
    # a second portfolio, created after, is untouched by an old event for the first one
    fresh = await create_portfolio(client, "Fresh")
    fresh_txn = await buy(client, fresh["id"], stock["id"], "1", AT)
    again = PortfolioDeleted(
        event_id=uuid4(),
        occurred_at=datetime.now(UTC),
        portfolio_id=UUID(portfolio["id"]),
        owner_id=owner_id,
    )
    assert await bus.dispatch([again, again]) == {}
    assert (await client.get(f"{TRANSACTIONS}/{fresh_txn['id']}")).status_code == 200
    assert await count_rows(app, transactions) == 1
