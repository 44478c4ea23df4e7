"""The share ledger invariant through the API: back-dated sales, voids, splits."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from bootstrap.container import RootContainer
from contexts.stock.application.splits import RecordSplit, SplitService
from contexts.stock.contracts import SplitInfo
from shared_kernel.application.clock import SystemClock
from tests.api.transaction.book_api import (
    TRANSACTIONS,
    add_split,
    assert_problem,
    buy,
    create_stock,
    list_all,
    record,
    sell,
    trade,
)

JAN = "2025-01-02T10:00:00Z"
FEB = "2025-02-03T10:00:00Z"
MAR = "2025-03-03T10:00:00Z"
APR = "2025-04-01T10:00:00Z"


class _NoneHeld:
    """``HeldPositions`` that sees no position: the split is stored unchecked."""

    async def shortfall_after_split(self, stock_id: UUID, split: SplitInfo) -> str | None:
        return None


async def _snapshot(client: httpx.AsyncClient, portfolio_id: str) -> list[dict[str, Any]]:
    return await list_all(client, portfolio_id, include_voided="true")


async def test_selling_more_than_held_is_409_naming_the_date_and_the_shortfall(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "100", JAN)
    before = await _snapshot(client, pid)
    refused = await record(client, pid, trade("SELL", sid, "150", MAR))
    body = assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")
    assert "2025-03-03" in body["detail"]
    assert "-50" in body["detail"]
    assert "AAPL" in body["detail"]
    assert await _snapshot(client, pid) == before
    # selling before anything was bought
    early = await record(client, pid, trade("SELL", sid, "1", "2024-12-31T00:00:00Z"))
    assert "-1" in assert_problem(early, 409, "INSUFFICIENT_QUANTITY")["detail"]
    # exactly everything is fine, and then nothing more
    await sell(client, pid, sid, "100", MAR)
    last = await record(client, pid, trade("SELL", sid, "0.000000000001", APR))
    assert "-0.000000000001" in assert_problem(last, 409, "INSUFFICIENT_QUANTITY")["detail"]


async def test_a_back_dated_sale_that_breaks_later_history_is_refused(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", JAN)
    await sell(client, pid, sid, "10", MAR)
    before = await _snapshot(client, pid)
    # on its own date 5 of the 10 would remain, but the March sale would then be short by 5
    refused = await record(client, pid, trade("SELL", sid, "5", FEB))
    body = assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")
    assert "2025-03-03" in body["detail"], body["detail"]
    assert "-5" in body["detail"], body["detail"]
    assert await _snapshot(client, pid) == before
    # a back-dated BUY always fits; after it the February sale does too
    await buy(client, pid, sid, "5", "2025-01-20T00:00:00Z")
    await sell(client, pid, sid, "5", FEB)


async def test_voiding_a_buy_that_later_sales_depend_on_is_refused(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    first = await buy(client, pid, sid, "10", JAN)
    second = await buy(client, pid, sid, "5", FEB)
    sale = await sell(client, pid, sid, "12", MAR)
    refused = await client.delete(f"{TRANSACTIONS}/{first['id']}")
    body = assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")
    assert "2025-03-03" in body["detail"], body["detail"]
    assert "-7" in body["detail"], body["detail"]
    fetched = (await client.get(f"{TRANSACTIONS}/{first['id']}")).json()
    assert fetched["voided_at"] is None
    assert_problem(
        await client.delete(f"{TRANSACTIONS}/{second['id']}"), 409, "INSUFFICIENT_QUANTITY"
    )
    # voiding the sale first makes both buys removable
    assert (await client.delete(f"{TRANSACTIONS}/{sale['id']}")).status_code == 204
    assert (await client.delete(f"{TRANSACTIONS}/{first['id']}")).status_code == 204
    assert (await client.delete(f"{TRANSACTIONS}/{second['id']}")).status_code == 204
    assert await list_all(client, pid) == []


async def test_a_split_counts_from_its_effective_date_in_post_split_units(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", JAN)
    await sell(client, pid, sid, "4", FEB)  # before the split: 6 left
    await add_split(client, sid, "2025-02-15", 2, 1)  # recorded after history: 6 → 12
    await sell(client, pid, sid, "12", MAR)  # valid in post-split units only
    refused = await record(client, pid, trade("SELL", sid, "1", APR))
    assert "-1" in assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")["detail"]
    # a sale on the effective date itself is already in post-split units
    await buy(client, pid, sid, "1", "2025-02-14T23:59:59Z")  # 7 before the split → 14
    await sell(client, pid, sid, "2", "2025-02-15T00:00:00Z")
    # the pre-split sale may still be voided; the buy may not (the March sale needs it)
    listed = await list_all(client, pid)
    pre_split_sale = next(t for t in listed if t["type"] == "SELL" and t["quantity"] == "4")
    assert (await client.delete(f"{TRANSACTIONS}/{pre_split_sale['id']}")).status_code == 204
    first_buy = next(t for t in listed if t["type"] == "BUY" and t["quantity"] == "10")
    assert_problem(
        await client.delete(f"{TRANSACTIONS}/{first_buy['id']}"), 409, "INSUFFICIENT_QUANTITY"
    )


async def test_the_issue_example_two_for_one_between_a_buy_of_10_and_a_sell_of_15(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", JAN)
    assert_problem(
        await record(client, pid, trade("SELL", sid, "15", MAR)), 409, "INSUFFICIENT_QUANTITY"
    )
    await add_split(client, sid, "2025-02-01", 2, 1)
    await sell(client, pid, sid, "15", MAR)
    # the history stays valid: a later buy and a further (fitting) sale are accepted
    await buy(client, pid, sid, "1", APR)
    await sell(client, pid, sid, "6", APR)


async def test_fractional_holdings_after_a_reverse_split_stay_exact(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", JAN)
    await add_split(client, sid, "2025-02-01", 1, 3)  # 10 → 10/3
    await sell(client, pid, sid, "3.333333333333", MAR)  # leaves 1/3 − 0.333333333333 > 0
    refused = await record(client, pid, trade("SELL", sid, "0.000000000001", MAR))
    assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")


async def test_a_reverse_split_that_would_leave_a_sale_short_is_refused(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", JAN)
    sale = await sell(client, pid, sid, "6", MAR)
    splits = f"/api/v1/stocks/{sid}/splits"
    # 1-for-2 from February: 10 → 5 before the March sale of 6
    refused = await client.post(
        splits, json={"effective_date": "2025-02-01", "numerator": 1, "denominator": 2}
    )
    problem = assert_problem(refused, 409, "INSUFFICIENT_QUANTITY")
    # how short, and when it sold, are the portfolio owner's to know
    assert problem["detail"] == (
        "A 1-for-2 split from 2025-02-01 would leave a portfolio short of shares it sold "
        "after that date: its sales must be voided and recorded again first."
    )
    assert (await client.get(splits)).json()["items"] == []
    # a split of more shares, or one that leaves enough, or one after the sale, is taken
    await add_split(client, sid, "2025-01-10", 3, 1)  # 30 before the sale
    await add_split(client, sid, "2025-01-20", 1, 5)  # 6 left: the sale takes them all
    await add_split(client, sid, "2025-03-10", 1, 4)  # after it: 0 stays 0
    # the sale corrected, the first split fits
    assert (await client.delete(f"{TRANSACTIONS}/{sale['id']}")).status_code == 204
    await add_split(client, sid, "2025-02-01", 1, 2)


async def test_a_reverse_split_recorded_later_does_not_freeze_the_position(
    client: httpx.AsyncClient,
    container: RootContainer,
    portfolio: dict[str, Any],
    stock: dict[str, Any],
) -> None:
    """Transactions keep the units of their own date: a 1-for-2 split stored after a
    sale can leave that sale short (one stored before splits were checked, or one
    that raced the sale). The book must not hold that against unrelated writes:
    only a write that makes some moment shorter than it already is may be refused."""
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", JAN)
    old_sale = await sell(client, pid, sid, "10", MAR)
    unchecked = SplitService(container.stock.unit_of_work, _NoneHeld(), SystemClock())
    # 10 → 5 before the March sale of 10
    await unchecked.record(RecordSplit(UUID(sid), date(2025, 2, 1), 1, 2))
    # buying more, before or after, only adds shares
    later_buy = await buy(client, pid, sid, "20", APR)
    await buy(client, pid, sid, "1", "2025-02-10T00:00:00Z")
    # a sale after the new buy that fits is fine; one that deepens the old shortfall is not
    await sell(client, pid, sid, "5", "2025-04-02T00:00:00Z")
    assert_problem(
        await record(client, pid, trade("SELL", sid, "1", "2025-02-20T00:00:00Z")),
        409,
        "INSUFFICIENT_QUANTITY",
    )
    assert_problem(
        await client.delete(f"{TRANSACTIONS}/{later_buy['id']}"), 409, "INSUFFICIENT_QUANTITY"
    )
    # and the sale the split left short can be voided (the correction)
    assert (await client.delete(f"{TRANSACTIONS}/{old_sale['id']}")).status_code == 204


async def test_positions_are_separate_per_stock_and_per_portfolio(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    other_stock = await create_stock(client, "MSFT")
    await buy(client, pid, sid, "10", JAN)
    assert_problem(
        await record(client, pid, trade("SELL", other_stock["id"], "1", MAR)),
        409,
        "INSUFFICIENT_QUANTITY",
    )
    second = (await client.post("/api/v1/portfolios", json={"name": "Second"})).json()
    assert_problem(
        await record(client, second["id"], trade("SELL", sid, "1", MAR)),
        409,
        "INSUFFICIENT_QUANTITY",
    )
    await sell(client, pid, sid, "10", MAR)


async def test_a_buy_and_a_sale_at_the_same_instant_apply_in_recording_order(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    for _ in range(5):
        await buy(client, pid, sid, "1", JAN)
        await sell(client, pid, sid, "1", JAN)
    assert_problem(
        await record(client, pid, trade("SELL", sid, "1", JAN)), 409, "INSUFFICIENT_QUANTITY"
    )
    # the history other contexts replay (TransactionHistory) comes in that same order
    history = await app.state.container.transaction.history().portfolio_transactions(UUID(pid))
    assert [t.type for t in history] == ["BUY", "SELL"] * 5
