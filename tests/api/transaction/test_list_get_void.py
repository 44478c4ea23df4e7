"""GET /portfolios/{id}/transactions (filters, keyset cursor), GET and DELETE /transactions/{id}."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.transaction.book_api import (
    TRANSACTIONS,
    assert_problem,
    buy,
    create_stock,
    list_all,
    record_ok,
    sell,
    transactions_url,
)


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


async def test_the_list_filters_by_type_stock_and_inclusive_utc_dates(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid = portfolio["id"]
    msft = await create_stock(client, "MSFT")
    jan_start = await buy(client, pid, stock["id"], "5", "2025-01-10T00:00:00Z")
    jan_end = await buy(client, pid, msft["id"], "5", "2025-01-10T23:59:59.999999Z")
    feb = await sell(client, pid, stock["id"], "1", "2025-02-01T00:00:00Z")
    # 2025-01-11T01:00+02:00 is 2025-01-10T23:00Z: a UTC date of the 10th
    deposit = await record_ok(
        client, pid, {"type": "DEPOSIT", "amount": "1", "executed_at": "2025-01-11T01:00:00+02:00"}
    )
    dividend = await record_ok(
        client,
        pid,
        {
            "type": "DIVIDEND",
            "stock_id": stock["id"],
            "amount": "1",
            "executed_at": "2025-01-09T23:59:59Z",
        },
    )

    async def listed(**params: str) -> list[str]:
        response = await client.get(transactions_url(pid), params=params)
        assert response.status_code == 200, response.text
        assert response.json()["next_cursor"] is None
        return _ids(response.json()["items"])

    # newest executed_at first
    assert await listed() == _ids([feb, jan_end, deposit, jan_start, dividend])
    assert await listed(type="BUY") == _ids([jan_end, jan_start])
    assert await listed(type="SELL") == _ids([feb])
    assert await listed(stock_id=stock["id"]) == _ids([feb, jan_start, dividend])
    assert await listed(stock_id=msft["id"], type="BUY") == _ids([jan_end])
    assert await listed(**{"from": "2025-01-10", "to": "2025-01-10"}) == _ids(
        [jan_end, deposit, jan_start]
    )
    assert await listed(**{"from": "2025-01-11"}) == _ids([feb])
    assert await listed(to="2025-01-09") == _ids([dividend])
    assert await listed(**{"from": "2025-02-02"}) == []
    assert await listed(**{"from": "2025-02-01", "to": "2025-01-01"}) == []
    # the calendar's first and last days
    assert await listed(**{"from": "0001-01-01", "to": "9999-12-31"}) == await listed()

    for params in (
        {"type": "GIFT"},
        {"stock_id": "AAPL"},
        {"from": "2025-13-01"},
        {"to": "yesterday"},
        {"from": "1735776000"},  # Unix time: API.md's dates are YYYY-MM-DD
        {"to": "2025-01-02T00:00:00"},
        {"include_voided": "maybe"},
        {"limit": "0"},
        {"limit": "501"},
        {"cursor": "not-a-cursor"},
    ):
        response = await client.get(transactions_url(pid), params=params)
        assert_problem(response, 422, "VALIDATION_ERROR")


async def test_cursor_pages_are_newest_first_and_stable_while_rows_are_inserted(
    client: httpx.AsyncClient, portfolio: dict[str, Any]
) -> None:
    pid = portfolio["id"]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    created = []
    for day in range(12):
        at = (base + timedelta(days=day // 2)).isoformat()  # pairs share an executed_at
        created.append(
            await record_ok(
                client, pid, {"type": "DEPOSIT", "amount": str(day + 1), "executed_at": at}
            )
        )
    expected = sorted(created, key=lambda t: (t["executed_at"], t["id"]), reverse=True)

    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(transactions_url(pid), params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 5
        seen += page["items"]
        pages += 1
        if pages == 1:
            # rows inserted meanwhile, newer and older than the cursor
            await record_ok(
                client,
                pid,
                {"type": "DEPOSIT", "amount": "99", "executed_at": "2025-06-01T00:00:00Z"},
            )
            older = await record_ok(
                client,
                pid,
                {"type": "DEPOSIT", "amount": "98", "executed_at": "2024-06-01T00:00:00Z"},
            )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert _ids(seen) == [*_ids(expected), older["id"]]


async def test_get_one_transaction_and_404_for_unknown_or_malformed_ids(
    client: httpx.AsyncClient, portfolio: dict[str, Any]
) -> None:
    created = await record_ok(
        client, portfolio["id"], {"type": "DEPOSIT", "amount": "1", "executed_at": "2025-01-01"}
    )
    fetched = await client.get(f"{TRANSACTIONS}/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert created["executed_at"] == "2025-01-01T00:00:00Z"
    for bad in ("00000000-0000-4000-8000-000000000000", "nope"):
        assert_problem(await client.get(f"{TRANSACTIONS}/{bad}"), 404, "NOT_FOUND")
        assert_problem(await client.delete(f"{TRANSACTIONS}/{bad}"), 404, "NOT_FOUND")


async def test_a_voided_transaction_stays_visible_with_voided_at_and_counts_nowhere(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    bought = await buy(client, pid, sid, "10", "2025-01-02T00:00:00Z")
    extra = await buy(client, pid, sid, "5", "2025-01-03T00:00:00Z")
    voided = await client.delete(f"{TRANSACTIONS}/{extra['id']}")
    assert voided.status_code == 204
    assert voided.content == b""
    fetched = (await client.get(f"{TRANSACTIONS}/{extra['id']}")).json()
    assert fetched["voided_at"] is not None
    voided_at = datetime.fromisoformat(fetched["voided_at"])
    assert abs(datetime.now(UTC) - voided_at) < timedelta(minutes=1)
    assert {k: v for k, v in fetched.items() if k != "voided_at"} == {
        k: v for k, v in extra.items() if k != "voided_at"
    }

    assert _ids(await list_all(client, pid)) == [bought["id"]]
    with_voided = await list_all(client, pid, include_voided="true")
    assert _ids(with_voided) == [extra["id"], bought["id"]]
    assert with_voided[0]["voided_at"] == fetched["voided_at"]

    # voiding again changes nothing
    again = await client.delete(f"{TRANSACTIONS}/{extra['id']}")
    assert again.status_code == 204
    assert (await client.get(f"{TRANSACTIONS}/{extra['id']}")).json() == fetched

    # the voided 5 shares count nowhere: 10 can be sold, 10.5 cannot
    refused = await client.post(
        transactions_url(pid),
        json={
            "type": "SELL",
            "stock_id": sid,
            "quantity": "10.5",
            "price": "1",
            "executed_at": "2025-01-04T00:00:00Z",
        },
    )
    assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")
    await sell(client, pid, sid, "10", "2025-01-04T00:00:00Z")


async def test_a_transaction_has_an_etag_and_a_void_honours_if_match(
    client: httpx.AsyncClient, portfolio: dict[str, Any]
) -> None:
    """API.md: a single-resource GET returns ETag, DELETE honours If-Match. A
    transaction changes only by being voided: version 1 while live, 2 after."""
    created = await record_ok(
        client, portfolio["id"], {"type": "DEPOSIT", "amount": "1", "executed_at": "2025-01-01"}
    )
    url = f"{TRANSACTIONS}/{created['id']}"
    assert (await client.get(url)).headers["etag"] == '"1"'

    stale = await client.delete(url, headers={"If-Match": '"2"'})
    assert_problem(stale, 412, "PRECONDITION_FAILED")
    assert (await client.get(url)).json()["voided_at"] is None

    assert (await client.delete(url, headers={"If-Match": '"1"'})).status_code == 204
    voided = await client.get(url)
    assert voided.json()["voided_at"] is not None
    assert voided.headers["etag"] == '"2"'
    # the void the caller saw is behind it; voiding what is void changes nothing
    assert_problem(
        await client.delete(url, headers={"If-Match": '"1"'}), 412, "PRECONDITION_FAILED"
    )
    assert (await client.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await client.delete(url, headers={"If-Match": "*"})).status_code == 204
    assert (await client.get(url)).json() == voided.json()
