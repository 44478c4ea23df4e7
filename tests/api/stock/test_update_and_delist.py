"""PATCH /stocks/{id} and DELETE /stocks/{id}: edits, If-Match, delisting."""

from __future__ import annotations

import uuid

import httpx

from tests.api.stock.stock_api import STOCKS, CreateStock, assert_problem


async def test_patch_changes_the_given_fields_and_bumps_the_version(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock("AAPL", "Apple", exchange="NASDAQ", notes="keep")
    response = await client.patch(
        f"{STOCKS}/{stock['id']}",
        json={"name": " Apple Inc. ", "sector": "Information Technology", "grade": "b"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["etag"] == '"2"'
    assert body["version"] == 2
    assert (body["name"], body["sector"], body["grade"]) == (
        "Apple Inc.",
        "Information Technology",
        "B",
    )
    assert (body["exchange"], body["notes"], body["symbol"]) == ("NASDAQ", "keep", "AAPL")
    assert body["created_at"] == stock["created_at"]
    assert body["updated_at"] > stock["updated_at"]
    assert (await client.get(f"{STOCKS}/{stock['id']}")).json() == body


async def test_patch_honours_if_match(client: httpx.AsyncClient, create_stock: CreateStock) -> None:
    stock = await create_stock(grade="A")
    url = f"{STOCKS}/{stock['id']}"
    for if_match in ('"2"', '"0"', "garbage", '"²"', "W/", '"2", "3"'):
        response = await client.patch(
            url, json={"grade": "F"}, headers=[(b"If-Match", if_match.encode("latin-1"))]
        )
        assert_problem(response, 412, "PRECONDITION_FAILED")
    assert (await client.get(url)).json() == stock

    first = await client.patch(url, json={"grade": "B"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    assert first.headers["etag"] == '"2"'
    second = await client.patch(
        url, json={"grade": "C"}, headers={"If-Match": first.headers["etag"]}
    )
    assert second.status_code == 200
    assert (second.json()["version"], second.json()["grade"]) == (3, "C")
    stale = await client.patch(
        url, json={"grade": "D"}, headers={"If-Match": first.headers["etag"]}
    )
    assert_problem(stale, 412, "PRECONDITION_FAILED")
    star = await client.patch(url, json={"grade": "D"}, headers={"If-Match": "*"})
    assert (star.status_code, star.json()["version"]) == (200, 4)


async def test_a_patch_that_changes_nothing_keeps_the_version(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock("AAPL", "Apple", grade="A")
    for body in ({}, {"name": "Apple"}, {"grade": "a"}):
        response = await client.patch(f"{STOCKS}/{stock['id']}", json=body)
        assert response.status_code == 200
        assert response.json() == stock
        assert response.headers["etag"] == '"1"'


async def test_null_clears_an_optional_field(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    for field in ("exchange", "notes", "grade", "industry_group"):
        stock = await create_stock(
            f"S{field[:5].upper()}",
            exchange="NYSE",
            notes="n",
            grade="A",
            sector="Financials",
            industry_group="Banks",
        )
        response = await client.patch(f"{STOCKS}/{stock['id']}", json={field: None})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body[field] is None
        assert body["version"] == 2
        assert body["sector"] == "Financials"
        unchanged = {"exchange": "NYSE", "notes": "n", "grade": "A", "industry_group": "Banks"}
        del unchanged[field]
        assert {name: body[name] for name in unchanged} == unchanged


async def test_clearing_the_sector_alone_leaves_an_orphan_group_refused(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock(sector="Financials", industry_group="Banks")
    response = await client.patch(f"{STOCKS}/{stock['id']}", json={"sector": None})
    assert_problem(response, 422, "VALIDATION_ERROR", "industry_group")
    cleared = await client.patch(
        f"{STOCKS}/{stock['id']}", json={"sector": None, "industry_group": None}
    )
    assert cleared.status_code == 200
    assert (cleared.json()["sector"], cleared.json()["industry_group"]) == (None, None)


INVALID_PATCHES: list[tuple[dict[str, object], str]] = [
    ({"symbol": "MSFT"}, "symbol"),
    ({"symbol": "AAPL"}, "symbol"),
    ({"currency": "EUR"}, "currency"),
    ({"currency": None}, "currency"),
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"grade": "Z"}, "grade"),
    ({"sector": "Tech"}, "sector"),
    ({"industry_group": "Banks"}, "industry_group"),
    ({"notes": "n" * 1001}, "notes"),
    ({"nickname": "x"}, "nickname"),
    ({"listed": False}, "listed"),
    ({"version": 9}, "version"),
]


async def test_invalid_patches_are_422_and_change_nothing(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock("AAPL", sector="Information Technology")
    for body, field in INVALID_PATCHES:
        response = await client.patch(f"{STOCKS}/{stock['id']}", json=body)
        assert_problem(response, 422, "VALIDATION_ERROR", field)
    response = await client.patch(
        f"{STOCKS}/{stock['id']}", content=b'{"grade": "A"}', headers={"content-type": "text/plain"}
    )
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert (await client.get(f"{STOCKS}/{stock['id']}")).json() == stock


async def test_patch_and_delete_of_an_unknown_or_malformed_id_are_404(
    client: httpx.AsyncClient,
) -> None:
    for stock_id in (uuid.uuid4(), "nope", "1"):
        response = await client.patch(f"{STOCKS}/{stock_id}", json={"grade": "A"})
        assert_problem(response, 404, "NOT_FOUND")
        assert_problem(await client.delete(f"{STOCKS}/{stock_id}"), 404, "NOT_FOUND")


async def test_delete_delists_but_keeps_the_stock(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock("ENRN", "Enron")
    url = f"{STOCKS}/{stock['id']}"
    stale = await client.delete(url, headers={"If-Match": '"7"'})
    assert_problem(stale, 412, "PRECONDITION_FAILED")
    assert (await client.get(url)).json()["listed"] is True

    response = await client.delete(url, headers={"If-Match": '"1"'})
    assert response.status_code == 204
    assert response.content == b""
    fetched = await client.get(url)
    assert fetched.status_code == 200
    assert (fetched.json()["listed"], fetched.json()["version"]) == (False, 2)
    assert fetched.headers["etag"] == '"2"'
    by_symbol = await client.get(f"{STOCKS}/by-symbol/enrn")
    assert by_symbol.json() == fetched.json()
    assert (await client.get(STOCKS)).json()["items"] == []
    assert [
        s["symbol"] for s in (await client.get(STOCKS, params={"listed": "false"})).json()["items"]
    ] == ["ENRN"]

    # delisting again changes nothing
    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).json()["version"] == 2
    # the symbol stays taken
    again = await client.post(STOCKS, json={"symbol": "ENRN", "name": "New Enron"})
    assert_problem(again, 409, "SYMBOL_TAKEN")
    # and the description may still change
    described = await client.patch(url, json={"notes": "bankrupt"})
    assert described.status_code == 200
    assert (described.json()["notes"], described.json()["listed"]) == ("bankrupt", False)
