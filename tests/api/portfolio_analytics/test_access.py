"""Who may read the analytics, what the query accepts, and what deleting a
portfolio leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
from fastapi import FastAPI

from tests.api.portfolio_analytics.analytics_api import (
    PORTFOLIOS,
    by_symbol,
    cash,
    create_portfolio,
    create_stock,
    get_allocation,
    get_holdings,
    get_performance,
    income,
    projection_row_counts,
    set_prices,
    trade,
)

ENDPOINTS = ("holdings", "allocation", "performance")


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_another_users_portfolio_is_not_found_and_anonymous_calls_are_refused(
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
) -> None:
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "OWN")
    await trade(client, portfolio_id, "BUY", stock_id, "5", "10", "2024-01-02T15:00:00Z")
    await set_prices(client, stock_id, {"2024-01-02": "10"})
    missing = str(uuid4())
    for endpoint in ENDPOINTS:
        owned = await client.get(f"{PORTFOLIOS}/{portfolio_id}/{endpoint}")
        assert owned.status_code == 200, owned.text
        foreign = await other_client.get(f"{PORTFOLIOS}/{portfolio_id}/{endpoint}")
        unknown = await other_client.get(f"{PORTFOLIOS}/{missing}/{endpoint}")
        # another user's portfolio is answered exactly like a missing one
        assert_problem(foreign, 404, "NOT_FOUND")
        assert_problem(unknown, 404, "NOT_FOUND")
        assert foreign.json()["detail"] == unknown.json()["detail"].replace(missing, portfolio_id)
        # ... whatever the query says
        invalid_period = await other_client.get(
            f"{PORTFOLIOS}/{portfolio_id}/{endpoint}",
            params={"from": "2024-01-05", "to": "2024-01-01"} if endpoint == "performance" else {},
        )
        assert_problem(invalid_period, 404, "NOT_FOUND")
        anonymous = await anonymous_client.get(f"{PORTFOLIOS}/{portfolio_id}/{endpoint}")
        assert_problem(anonymous, 401, "UNAUTHENTICATED")
        assert anonymous.headers["www-authenticate"] == "Bearer"
        bad_token = await anonymous_client.get(
            f"{PORTFOLIOS}/{portfolio_id}/{endpoint}",
            headers={"Authorization": "Bearer not-a-token"},
        )
        assert_problem(bad_token, 401, "UNAUTHENTICATED")
    # the intruder's own, empty portfolio shows nothing of the owner's
    theirs = await create_portfolio(other_client)
    report = await get_holdings(other_client, theirs)
    assert report["holdings"] == []
    assert report["totals"]["cash_balance"] == "0.00"


async def test_unknown_query_values_are_refused(client: httpx.AsyncClient) -> None:
    portfolio_id = await create_portfolio(client)
    future = str(datetime.now(UTC).date() + timedelta(days=2))
    cases: list[tuple[str, dict[str, str], str]] = [
        ("holdings", {"cost_basis": "lifo"}, "cost_basis"),
        ("holdings", {"cost_basis": "FIFO "}, "cost_basis"),
        ("holdings", {"include_closed": "perhaps"}, "include_closed"),
        ("allocation", {"by": "country"}, "by"),
        ("allocation", {"by": ""}, "by"),
        ("performance", {"from": "2024-05-07", "to": "2024-05-06"}, "from"),
        ("performance", {"to": future}, "to"),
        ("performance", {"from": future}, "from"),  # after the default to: today
        ("performance", {"from": "2024-02-30"}, "from"),
        ("performance", {"to": "yesterday"}, "to"),
        ("performance", {"from": "1735776000"}, "from"),  # dates are YYYY-MM-DD only
    ]
    for endpoint, params, field in cases:
        response = await client.get(f"{PORTFOLIOS}/{portfolio_id}/{endpoint}", params=params)
        body = assert_problem(response, 422, "VALIDATION_ERROR")
        assert field in {error.get("field") for error in body["errors"]}, (params, body)


async def test_deleting_a_portfolio_removes_its_projection(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    doomed = await create_portfolio(client, "doomed")
    kept = await create_portfolio(client, "kept")
    stock_id = await create_stock(client, "DEL")
    for portfolio_id in (doomed, kept):
        await cash(client, portfolio_id, "DEPOSIT", "1000", "2024-01-01T10:00:00Z")
        await trade(client, portfolio_id, "BUY", stock_id, "5", "10", "2024-01-02T15:00:00Z")
        await income(client, portfolio_id, "DIVIDEND", stock_id, "1", "2024-01-03T10:00:00Z")
    before = await projection_row_counts(app, doomed)
    assert before == {
        "portfolio_source_transactions": 3,
        "portfolio_holdings": 1,
        "portfolio_cash_balances": 1,
    }
    response = await client.delete(f"{PORTFOLIOS}/{doomed}")
    assert response.status_code == 204, response.text
    assert await projection_row_counts(app, doomed) == {
        "portfolio_source_transactions": 0,
        "portfolio_holdings": 0,
        "portfolio_cash_balances": 0,
    }
    for endpoint in ENDPOINTS:
        gone = await client.get(f"{PORTFOLIOS}/{doomed}/{endpoint}")
        assert_problem(gone, 404, "NOT_FOUND")
    # the other portfolio's projection is untouched
    assert await projection_row_counts(app, kept) == before
    report = await get_holdings(client, kept)
    assert by_symbol(report)["DEL"]["quantity"] == "5"
    assert report["totals"]["cash_balance"] == "951.00"
    assert (await get_allocation(client, kept))["unpriced"] == ["DEL"]
    assert (await get_performance(client, kept, to="2024-01-03"))["end_value"] == "50.00"


async def test_a_to_before_the_default_from_is_named_as_the_problem(
    client: httpx.AsyncClient,
) -> None:
    """Only ``to`` sent, before the day before the first transaction (the default
    ``from``): the caller's ``to`` is what to change, not a ``from`` never sent."""
    portfolio_id = await create_portfolio(client)
    await cash(client, portfolio_id, "DEPOSIT", "100", "2024-03-01T10:00:00Z")
    response = await client.get(
        f"{PORTFOLIOS}/{portfolio_id}/performance", params={"to": "2024-02-01"}
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert [(error["field"], error["message"]) for error in body["errors"]] == [
        (
            "to",
            "must not be before 2024-02-29, the default from "
            "(the day before the first transaction)",
        )
    ]
    assert (await get_performance(client, portfolio_id, to="2024-02-29"))["days"] == 0
