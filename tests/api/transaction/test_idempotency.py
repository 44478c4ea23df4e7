"""Idempotency-Key on POST …/transactions and …/transactions/import (API.md "Conventions")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, select, update

from contexts.transaction.application import book
from contexts.transaction.infrastructure.tables import idempotency_keys, transactions
from tests.api.transaction.book_api import (
    assert_problem,
    buy,
    count_rows,
    create_portfolio,
    execute,
    import_url,
    list_all,
    post_csv,
    record,
    trade,
)

AT = "2025-01-15T10:00:00Z"


async def test_the_same_key_and_body_answer_the_original_response_and_record_once(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    body = trade("BUY", stock["id"], "10", AT, price="1.10")
    first = await record(client, portfolio["id"], body, **{"Idempotency-Key": "buy-1"})
    assert first.status_code == 201, first.text
    for _ in range(3):
        again = await record(client, portfolio["id"], body, **{"Idempotency-Key": "buy-1"})
        assert again.status_code == 201
        assert again.content == first.content
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["content-type"] == "application/json"
    assert [t["id"] for t in await list_all(client, portfolio["id"])] == [first.json()["id"]]
    # the same body under another key is another transaction
    other = await record(client, portfolio["id"], body, **{"Idempotency-Key": "buy-2"})
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert len(await list_all(client, portfolio["id"])) == 2


async def test_the_same_key_with_another_body_or_portfolio_is_idempotency_key_reused(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    headers = {"Idempotency-Key": "k"}
    body = trade("BUY", stock["id"], "10", AT)
    assert (await record(client, portfolio["id"], body, **headers)).status_code == 201
    changed = {**body, "quantity": "11"}
    assert_problem(
        await record(client, portfolio["id"], changed, **headers), 422, "IDEMPOTENCY_KEY_REUSED"
    )
    other = await create_portfolio(client, "Other")
    assert_problem(
        await record(client, other["id"], body, **headers), 422, "IDEMPOTENCY_KEY_REUSED"
    )
    assert len(await list_all(client, portfolio["id"])) == 1
    assert await list_all(client, other["id"]) == []


async def test_keys_are_per_user(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    portfolio: dict[str, Any],
    stock: dict[str, Any],
) -> None:
    body = trade("BUY", stock["id"], "1", AT)
    mine = await record(client, portfolio["id"], body, **{"Idempotency-Key": "shared"})
    theirs_portfolio = await create_portfolio(other_client, "Theirs")
    theirs = await record(
        other_client, theirs_portfolio["id"], body, **{"Idempotency-Key": "shared"}
    )
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["portfolio_id"] == theirs_portfolio["id"]
    # and the other user cannot replay my response with my key
    replay = await record(other_client, portfolio["id"], body, **{"Idempotency-Key": "shared"})
    assert_problem(replay, 404, "NOT_FOUND")


async def test_a_refusal_is_the_original_answer_its_retries_get_again(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    headers = {"Idempotency-Key": "oversell"}
    body = trade("SELL", stock["id"], "5", AT)
    refused = await record(client, portfolio["id"], body, **headers)
    problem = assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")
    assert "-5" in problem["detail"]
    # once the shares are there the same request would go through: the key keeps its answer
    await buy(client, portfolio["id"], stock["id"], "5", "2025-01-01T00:00:00Z")
    again = await record(client, portfolio["id"], body, **headers)
    assert (again.status_code, again.content) == (409, refused.content)
    assert again.headers["content-type"] == "application/problem+json"
    assert again.headers["x-request-id"] != problem["request_id"]  # the body is the original's
    assert len(await list_all(client, portfolio["id"])) == 1  # the buy alone
    # asking again is a new request, with a new key
    renewed = await record(client, portfolio["id"], body, **{"Idempotency-Key": "sell-2"})
    assert renewed.status_code == 201, renewed.text


async def test_a_key_still_in_flight_is_idempotency_key_in_use(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    body = trade("BUY", stock["id"], "1", AT)
    done = await record(client, portfolio["id"], body, **{"Idempotency-Key": "done"})
    assert done.status_code == 201
    (owner_id, fingerprint), *_ = await execute(
        app,
        select(idempotency_keys.c.owner_id, idempotency_keys.c.fingerprint).where(
            idempotency_keys.c.key == "done"
        ),
    )
    # a request with the same path and body is still being processed under key "busy"
    now = datetime.now(UTC)
    await execute(
        app,
        insert(idempotency_keys).values(
            owner_id=owner_id,
            key="busy",
            portfolio_id=UUID(portfolio["id"]),
            fingerprint=fingerprint,
            claimed_at=now,
            expires_at=now + timedelta(hours=24),
        ),
    )
    for _ in range(2):
        assert_problem(
            await record(client, portfolio["id"], body, **{"Idempotency-Key": "busy"}),
            409,
            "IDEMPOTENCY_KEY_IN_USE",
        )
    assert len(await list_all(client, portfolio["id"])) == 1
    # a claim abandoned long ago (its request died before committing) may be taken over
    await execute(
        app,
        update(idempotency_keys)
        .where(idempotency_keys.c.key == "busy")
        .values(claimed_at=now - timedelta(minutes=10)),
    )
    taken_over = await record(client, portfolio["id"], body, **{"Idempotency-Key": "busy"})
    assert taken_over.status_code == 201, taken_over.text
    assert len(await list_all(client, portfolio["id"])) == 2


async def test_an_expired_key_is_treated_as_new(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    body = trade("BUY", stock["id"], "1", AT)
    first = await record(client, portfolio["id"], body, **{"Idempotency-Key": "old"})
    stored = await execute(app, select(idempotency_keys.c.expires_at))
    assert len(stored) == 1
    assert stored[0][0] - datetime.now(UTC) >= timedelta(hours=23, minutes=59)
    await execute(
        app,
        update(idempotency_keys).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)),
    )
    changed = {**body, "quantity": "2"}  # not IDEMPOTENCY_KEY_REUSED: the old use is gone
    second = await record(client, portfolio["id"], changed, **{"Idempotency-Key": "old"})
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
    assert await count_rows(app, transactions) == 2


async def test_bad_keys_are_422(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    body = trade("BUY", stock["id"], "1", AT)
    for key in ("", "x" * 256, "tab\there", "\x7f"):
        response = await record(client, portfolio["id"], body, **{"Idempotency-Key": key})
        assert_problem(response, 422, "VALIDATION_ERROR")
    assert await list_all(client, portfolio["id"]) == []
    ok = await record(client, portfolio["id"], body, **{"Idempotency-Key": "~" * 255})
    assert ok.status_code == 201


async def test_imports_are_idempotent_too(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    csv = "executed_at,type,symbol,quantity,price\n2025-01-02,BUY,AAPL,10,1\n"
    url = import_url(portfolio["id"])
    first = await post_csv(client, url, csv, **{"Idempotency-Key": "file-1"})
    assert first.status_code == 200, first.text
    assert first.json() == {"recorded": 1, "skipped_duplicates": 0, "dry_run": False}
    again = await post_csv(client, url, csv, **{"Idempotency-Key": "file-1"})
    assert (again.status_code, again.content) == (200, first.content)
    assert len(await list_all(client, portfolio["id"])) == 1
    other_file = csv + "2025-01-03,BUY,AAPL,1,1\n"
    assert_problem(
        await post_csv(client, url, other_file, **{"Idempotency-Key": "file-1"}),
        422,
        "IDEMPOTENCY_KEY_REUSED",
    )
    dry = await post_csv(
        client, import_url(portfolio["id"], dry_run=True), csv, **{"Idempotency-Key": "file-1"}
    )
    assert_problem(dry, 422, "IDEMPOTENCY_KEY_REUSED")
    assert len(await list_all(client, portfolio["id"])) == 1


async def test_a_retried_import_is_answered_before_its_file_is_read_again(
    client: httpx.AsyncClient,
    portfolio: dict[str, Any],
    stock: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    csv = "executed_at,type,symbol,quantity,price\n2025-01-02,BUY,AAPL,10,1\n"
    url = import_url(portfolio["id"])
    first = await post_csv(client, url, csv, **{"Idempotency-Key": "file-3"})
    assert first.status_code == 200, first.text

    def unread(content: bytes) -> None:
        raise AssertionError("a retry's file was parsed again")

    monkeypatch.setattr(book, "parse_transaction_csv", unread)
    again = await post_csv(client, url, csv, **{"Idempotency-Key": "file-3"})
    assert (again.status_code, again.content) == (200, first.content)


async def test_a_portfolio_id_in_upper_case_is_the_same_request(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    body = trade("BUY", stock["id"], "1", AT)
    first = await record(client, portfolio["id"], body, **{"Idempotency-Key": "case"})
    assert first.status_code == 201, first.text
    again = await record(client, portfolio["id"].upper(), body, **{"Idempotency-Key": "case"})
    assert (again.status_code, again.content) == (201, first.content)
    assert len(await list_all(client, portfolio["id"])) == 1


async def test_a_rejected_import_is_answered_the_same_when_retried(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    csv = "executed_at,type,symbol,quantity,price\n2025-01-02,SELL,AAPL,10,1\n"
    url = import_url(portfolio["id"])
    rejected = await post_csv(client, url, csv, **{"Idempotency-Key": "file-2"})
    assert_problem(rejected, 422, "IMPORT_REJECTED")
    await buy(client, portfolio["id"], stock["id"], "10", "2025-01-01T00:00:00Z")
    again = await post_csv(client, url, csv, **{"Idempotency-Key": "file-2"})
    assert (again.status_code, again.content) == (422, rejected.content)
    assert len(await list_all(client, portfolio["id"])) == 1
