"""Portfolio CRUD (API.md "Portfolios"): owner-scoped, names unique per owner, If-Match."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from contexts.portfolio.infrastructure.tables import outbox as portfolio_outbox
from tests.api.transaction.book_api import (
    PORTFOLIOS,
    assert_problem,
    create_portfolio,
    outbox_payloads,
    post_raw,
)

FIELDS = {"id", "name", "description", "currency", "created_at", "updated_at", "version"}


async def test_create_is_201_with_location_etag_and_the_portfolio(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        PORTFOLIOS, json={"name": "  Retirement ", "description": "Long term", "currency": "eur"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == FIELDS
    assert response.headers["location"] == f"{PORTFOLIOS}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert (body["name"], body["description"], body["currency"]) == (
        "Retirement",
        "Long term",
        "EUR",
    )
    assert body["version"] == 1
    assert body["created_at"] == body["updated_at"]
    created_at = datetime.fromisoformat(body["created_at"])
    assert created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created_at) < timedelta(minutes=1)
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"1"'

    default = await create_portfolio(client, "Plain")
    assert (default["currency"], default["description"]) == ("USD", None)


async def test_invalid_portfolios_are_422(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": None}, "name"),
        ({"name": "A", "description": "x" * 501}, "description"),
        ({"name": "A", "currency": "XXX"}, "currency"),
        ({"name": "A", "currency": "US"}, "currency"),
        ({"name": "A", "currency": "ıls"}, "currency"),
        ({"name": "A", "owner_id": "00000000-0000-4000-8000-000000000000"}, "owner_id"),
        ({"name": "A", "version": 3}, "version"),
    ]
    for body, field in cases:
        response = await client.post(PORTFOLIOS, json=body)
        assert_problem(response, 422, "VALIDATION_ERROR", field)
    assert_problem(await post_raw(client, PORTFOLIOS, "[1]"), 422, "VALIDATION_ERROR")
    assert (await client.get(PORTFOLIOS)).json()["items"] == []
    assert (await create_portfolio(client, "x" * 100))["name"] == "x" * 100


async def test_names_are_unique_per_owner_only(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    first = await create_portfolio(client, "Main")
    taken = await client.post(PORTFOLIOS, json={"name": "Main"})
    assert "Main" in assert_problem(taken, 409, "NAME_TAKEN")["detail"]
    trimmed = await client.post(PORTFOLIOS, json={"name": " Main "})
    assert_problem(trimmed, 409, "NAME_TAKEN")
    theirs = await create_portfolio(other_client, "Main")  # another user may use it
    assert theirs["id"] != first["id"]
    second = await create_portfolio(client, "Second")
    renamed = await client.patch(f"{PORTFOLIOS}/{second['id']}", json={"name": "Main"})
    assert_problem(renamed, 409, "NAME_TAKEN")
    assert (await client.get(f"{PORTFOLIOS}/{second['id']}")).json() == second
    # a deleted portfolio's name is free again
    assert (await client.delete(f"{PORTFOLIOS}/{first['id']}")).status_code == 204
    assert (await client.patch(f"{PORTFOLIOS}/{second['id']}", json={"name": "Main"})).json()[
        "name"
    ] == "Main"


async def test_concurrent_creates_of_one_name_give_one_portfolio(
    client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(client.post(PORTFOLIOS, json={"name": "Race"}) for _ in range(10))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "NAME_TAKEN")
    assert len((await client.get(PORTFOLIOS)).json()["items"]) == 1


async def test_the_list_has_only_the_callers_portfolios_oldest_first_in_pages(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    mine = [await create_portfolio(client, f"P{i}") for i in range(5)]
    await create_portfolio(other_client, "Theirs")
    listed = await client.get(PORTFOLIOS)
    assert listed.status_code == 200
    assert listed.json() == {"items": mine, "next_cursor": None}
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await client.get(PORTFOLIOS, params=params)).json()
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == mine
    theirs = (await other_client.get(PORTFOLIOS)).json()["items"]
    assert [p["name"] for p in theirs] == ["Theirs"]
    for params in ({"limit": 0}, {"limit": 501}, {"cursor": "%%%"}):
        assert_problem(await client.get(PORTFOLIOS, params=params), 422, "VALIDATION_ERROR")


async def test_patch_renames_and_describes_with_if_match(client: httpx.AsyncClient) -> None:
    created = await create_portfolio(client, "Main", description="old")
    url = f"{PORTFOLIOS}/{created['id']}"
    renamed = await client.patch(url, json={"name": "Renamed"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert (body["name"], body["description"], body["version"]) == ("Renamed", "old", 2)
    assert renamed.headers["etag"] == '"2"'
    assert body["updated_at"] >= body["created_at"]
    assert body["created_at"] == created["created_at"]
    assert body["currency"] == created["currency"]

    stale = await client.patch(url, json={"name": "Stale"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412, "PRECONDITION_FAILED")
    for tag in ('W/"2"', "*"):
        ok = await client.patch(url, json={"description": f"via {tag}"}, headers={"If-Match": tag})
        assert ok.status_code == 200, (tag, ok.text)
    garbage = await client.patch(url, json={"name": "X"}, headers={"If-Match": "bogus"})
    assert_problem(garbage, 412, "PRECONDITION_FAILED")

    cleared = await client.patch(url, json={"description": None})
    assert cleared.json()["description"] is None
    version = cleared.json()["version"]
    unchanged = await client.patch(url, json={})
    assert unchanged.status_code == 200
    assert unchanged.json()["version"] == version  # nothing changed, nothing bumped
    same = await client.patch(url, json={"name": "Renamed"})
    assert same.json()["version"] == version

    for body_, field in (
        ({"currency": "EUR"}, "currency"),
        ({"currency": "USD"}, "currency"),
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"description": "x" * 501}, "description"),
        ({"colour": "red"}, "colour"),
    ):
        assert_problem(await client.patch(url, json=body_), 422, "VALIDATION_ERROR", field)
    final = (await client.get(url)).json()
    assert (final["name"], final["currency"], final["version"]) == ("Renamed", "USD", version)


async def test_delete_is_204_then_404_and_honours_if_match(client: httpx.AsyncClient) -> None:
    created = await create_portfolio(client, "Main")
    url = f"{PORTFOLIOS}/{created['id']}"
    assert_problem(
        await client.delete(url, headers={"If-Match": '"7"'}), 412, "PRECONDITION_FAILED"
    )
    assert (await client.get(url)).status_code == 200
    deleted = await client.delete(url, headers={"If-Match": '"1"'})
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await client.get(url), 404, "NOT_FOUND")
    assert_problem(await client.delete(url), 404, "NOT_FOUND")
    assert_problem(await client.patch(url, json={"name": "Back"}), 404, "NOT_FOUND")
    assert (await client.get(PORTFOLIOS)).json()["items"] == []
    for bad in ("not-a-uuid", "00000000-0000-4000-8000-000000000000"):
        assert_problem(await client.get(f"{PORTFOLIOS}/{bad}"), 404, "NOT_FOUND")


async def test_another_users_portfolio_is_404_on_read_and_write_and_stays_unchanged(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    created = await create_portfolio(client, "Mine")
    url = f"{PORTFOLIOS}/{created['id']}"
    assert_problem(await other_client.get(url), 404, "NOT_FOUND")
    assert_problem(await other_client.patch(url, json={"name": "Stolen"}), 404, "NOT_FOUND")
    assert_problem(
        await other_client.patch(url, json={"name": "Stolen"}, headers={"If-Match": '"1"'}),
        404,
        "NOT_FOUND",
    )
    assert_problem(await other_client.delete(url), 404, "NOT_FOUND")
    assert (await client.get(url)).json() == created


async def test_portfolio_events_are_published_through_the_outbox(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner_id = (await client.get("/api/v1/auth/me")).json()["id"]
    created = await create_portfolio(client, "Main", currency="GBP")
    url = f"{PORTFOLIOS}/{created['id']}"
    await client.patch(url, json={"name": "Renamed", "description": "d"})
    await client.patch(url, json={})  # no change: no event
    assert (await client.delete(url)).status_code == 204

    opened = await outbox_payloads(app, portfolio_outbox, "PortfolioOpened")
    renamed = await outbox_payloads(app, portfolio_outbox, "PortfolioRenamed")
    deleted = await outbox_payloads(app, portfolio_outbox, "PortfolioDeleted")
    assert [(e["portfolio_id"], e["owner_id"], e["name"], e["currency"]) for e in opened] == [
        (created["id"], owner_id, "Main", "GBP")
    ]
    assert [(e["portfolio_id"], e["name"], e["description"], e["version"]) for e in renamed] == [
        (created["id"], "Renamed", "d", 2)
    ]
    assert [(e["portfolio_id"], e["owner_id"]) for e in deleted] == [(created["id"], owner_id)]
