"""GET /stocks: search, filters, sort orders and keyset paging."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.api.stock.stock_api import STOCKS, CreateStock, assert_problem


async def symbols(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get(STOCKS, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    return [item["symbol"] for item in body["items"]]


async def all_pages(client: httpx.AsyncClient, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        response = await client.get(STOCKS, params=params | ({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["symbol"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100


async def test_the_list_shows_stocks_in_their_full_shape(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    assert (await client.get(STOCKS)).json() == {"items": [], "next_cursor": None}
    created = await create_stock("AAPL", sector="Information Technology")
    assert (await client.get(STOCKS)).json() == {"items": [created], "next_cursor": None}


async def test_search_ignores_case_in_every_script(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    # SQLite's own lower() folds only A-Z; the search must not depend on the database.
    await create_stock("EDF", "Électricité de France")
    await create_stock("NESN", "Nestlé")
    await create_stock("SBER", "Сбербанк")

    assert await symbols(client, q="électricité") == ["EDF"]
    assert await symbols(client, q="ÉLECTRICITÉ") == ["EDF"]
    assert await symbols(client, q="NESTLÉ") == ["NESN"]
    assert await symbols(client, q="сбер") == ["SBER"]
    assert await symbols(client, q="É") == ["EDF", "NESN"]


async def test_names_sort_and_match_whatever_their_case(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    for symbol, name in [
        ("ZM", "Zoom"),
        ("EBAY", "eBay"),
        ("DELL", "Dell"),
        ("IRBT", "iRobot"),
        ("SIE", "Straße AG"),
        ("AAPL", "apple"),
    ]:
        await create_stock(symbol, name)
    assert await symbols(client, sort="name") == ["AAPL", "DELL", "EBAY", "IRBT", "SIE", "ZM"]
    assert await symbols(client, sort="-name") == ["ZM", "SIE", "IRBT", "EBAY", "DELL", "AAPL"]
    assert await symbols(client, q="STRASSE") == ["SIE"]  # ß folds to ss
    assert await symbols(client, q="straße") == ["SIE"]


async def test_search_and_filters(client: httpx.AsyncClient, create_stock: CreateStock) -> None:
    await create_stock("AAPL", "Apple Inc.", sector="Information Technology")
    await create_stock("MSFT", "Microsoft", sector="Information Technology")
    await create_stock("PINEAPP", "Dole", sector="Consumer Staples")
    await create_stock("JPM", "JPMorgan", sector="Financials", industry_group="Banks")
    await create_stock("PCT", "100% Growth")
    await create_stock("UND", "Under_score")
    await create_stock("BSL", "Back\\slash")
    await create_stock("PLAIN", "Plain 100 Growth Underscore")
    gone = await create_stock("APPX", "Apptech", sector="Information Technology")
    assert (await client.delete(f"{STOCKS}/{gone['id']}")).status_code == 204

    # q: substring of symbol or name, any case
    assert await symbols(client, q="app") == ["AAPL", "PINEAPP"]
    assert await symbols(client, q="APPLE") == ["AAPL"]
    assert await symbols(client, q="soft") == ["MSFT"]
    assert await symbols(client, q="nothing") == []
    assert len(await symbols(client, q="")) == 8
    # % _ and \ are literal characters, not patterns
    assert await symbols(client, q="%") == ["PCT"]
    assert await symbols(client, q="100%") == ["PCT"]
    assert await symbols(client, q="_") == ["UND"]
    assert await symbols(client, q="r_s") == ["UND"]
    assert await symbols(client, q="\\") == ["BSL"]
    assert await symbols(client, q="k\\s") == ["BSL"]
    # sector
    assert await symbols(client, sector="Information Technology") == ["AAPL", "MSFT"]
    assert await symbols(client, sector="Financials") == ["JPM"]
    assert await symbols(client, sector="Energy") == []
    # listed: true by default, false shows the delisted only
    assert "APPX" not in await symbols(client)
    assert await symbols(client, listed="true") == await symbols(client)
    assert await symbols(client, listed="false") == ["APPX"]
    # together
    assert await symbols(client, q="app", sector="Information Technology") == ["AAPL"]
    assert await symbols(client, q="app", listed="false") == ["APPX"]
    assert await symbols(client, q="app", sector="Financials") == []


@pytest.fixture
async def catalog(create_stock: CreateStock) -> list[dict[str, Any]]:
    """Five stocks whose names sort differently from their symbols, two names equal."""
    return [
        await create_stock("DDD", "Alpha"),
        await create_stock("BBB", "Delta"),
        await create_stock("EEE", "Charlie"),
        await create_stock("AAA", "Charlie"),
        await create_stock("CCC", "Bravo"),
    ]


ORDERS = {
    None: ["AAA", "BBB", "CCC", "DDD", "EEE"],
    "symbol": ["AAA", "BBB", "CCC", "DDD", "EEE"],
    "-symbol": ["EEE", "DDD", "CCC", "BBB", "AAA"],
    "created_at": ["DDD", "BBB", "EEE", "AAA", "CCC"],
    "-created_at": ["CCC", "AAA", "EEE", "BBB", "DDD"],
}


async def test_every_sort_order_pages_through_everything_once(
    client: httpx.AsyncClient, catalog: list[dict[str, Any]]
) -> None:
    by_id = {stock["symbol"]: stock["id"] for stock in catalog}
    tied = sorted(["EEE", "AAA"], key=lambda symbol: by_id[symbol])  # both "Charlie"
    orders = ORDERS | {
        "name": ["DDD", "CCC", *tied, "BBB"],
        "-name": ["BBB", *reversed(tied), "CCC", "DDD"],
    }
    for sort, expected in orders.items():
        for limit in (1, 2, 50):
            params: dict[str, Any] = {"limit": limit} | ({"sort": sort} if sort else {})
            pages = await all_pages(client, **params)
            assert [symbol for page in pages for symbol in page] == expected, (sort, limit)
            assert all(len(page) == limit for page in pages[:-1]), (sort, limit)
    # a last page that is exactly full has no cursor
    assert (await client.get(STOCKS, params={"limit": 5})).json()["next_cursor"] is None
    # a cursor is bound to its sort order
    page = (await client.get(STOCKS, params={"sort": "symbol", "limit": 1})).json()
    response = await client.get(STOCKS, params={"sort": "name", "cursor": page["next_cursor"]})
    assert_problem(response, 422, "VALIDATION_ERROR", "cursor")


@pytest.mark.parametrize(
    ("sort", "before", "after", "tied"),
    [
        ("symbol", ["AAB"], ["ZZZ", "CCD"], []),
        ("-symbol", ["ZZZ"], ["AAB", "CCB"], []),
        ("name", ["Aardvark"], ["Zulu", "Charlie"], ["Bravo"]),
        ("-name", ["Zulu", "Delta"], ["Aardvark", "Bravo"], ["Charlie"]),
        ("created_at", [], ["Q1", "AAB"], []),
        ("-created_at", ["Q1", "ZZZ"], [], []),
    ],
)
async def test_paging_stays_correct_while_rows_are_inserted(
    client: httpx.AsyncClient,
    catalog: list[dict[str, Any]],
    create_stock: CreateStock,
    sort: str,
    before: list[str],
    after: list[str],
    tied: list[str],
) -> None:
    """Rows inserted between page requests neither duplicate nor hide existing rows.

    The first page holds two rows. Then rows are inserted that sort ``before``
    its last row (they must not show up on later pages), ``after`` it (they
    must), and ``tied`` with it on the sort value (either, by their random id).
    For the name orders the strings are names, else symbols.
    """
    first = (await client.get(STOCKS, params={"sort": sort, "limit": 2})).json()
    seen = [item["symbol"] for item in first["items"]]
    inserted: dict[str, list[str]] = {"before": [], "after": [], "tied": []}
    for group, values in (("before", before), ("after", after), ("tied", tied)):
        for number, value in enumerate(values):
            if sort.endswith("name"):
                created = await create_stock(f"N{group[0].upper()}{number}", value)
            else:
                created = await create_stock(value)
            inserted[group].append(created["symbol"])
    cursor = first["next_cursor"]
    assert cursor is not None
    while cursor is not None:
        params = {"sort": sort, "limit": 2, "cursor": cursor}
        page = (await client.get(STOCKS, params=params)).json()
        seen += [item["symbol"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)), seen
    assert {stock["symbol"] for stock in catalog} <= set(seen)
    assert set(inserted["after"]) <= set(seen)
    assert not set(inserted["before"]) & set(seen)


def cursor_of(*values: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


SOME_ID = "12345678-1234-5678-1234-567812345678"


GARBAGE_CURSORS = [
    "garbage",
    "!!!",
    "é",
    cursor_of(),
    base64.urlsafe_b64encode(b"[1]").decode(),
    base64.urlsafe_b64encode(b'{"a": 1}').decode(),
    base64.urlsafe_b64encode(b"[" * 1400).decode(),
    cursor_of("AAPL", SOME_ID, "extra"),
    "x" * 2001,
]

MISFITTING_CURSORS = [
    ("symbol", cursor_of("AAPL", SOME_ID)),
    ("name", cursor_of("Apple")),
    ("name", cursor_of("Apple", "not-a-uuid")),
    ("created_at", cursor_of("yesterday", SOME_ID)),
    ("created_at", cursor_of("2025-01-01T00:00:00", SOME_ID)),  # no offset: not ours
    ("-created_at", cursor_of("2025-01-01T00:00:00+00:00")),
]


async def test_bad_query_parameters_are_422_naming_the_parameter(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    await create_stock("AAPL")
    bad: list[tuple[dict[str, Any], str]] = [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"sort": "price"}, "sort"),
        ({"sort": "SYMBOL"}, "sort"),
        ({"sort": ""}, "sort"),
        ({"listed": "maybe"}, "listed"),
        ({"sector": "Tech"}, "sector"),
        ({"q": "x" * 101}, "q"),
    ]
    bad += [
        ({"cursor": cursor, "sort": sort}, "cursor")
        for sort in ("symbol", "name", "created_at")
        for cursor in GARBAGE_CURSORS
    ]
    bad += [({"cursor": cursor, "sort": sort}, "cursor") for sort, cursor in MISFITTING_CURSORS]
    for params, field in bad:
        response = await client.get(STOCKS, params=params)
        assert_problem(response, 422, "VALIDATION_ERROR", field)
    for limit in ("1", "500"):
        assert (await client.get(STOCKS, params={"limit": limit})).status_code == 200
    # a well-formed cursor that this API did not hand out just seeks
    await create_stock("MSFT")
    assert await symbols(client, cursor=cursor_of("B")) == ["MSFT"]
    created_at = cursor_of("2000-01-01T00:00:00+00:00", SOME_ID)
    assert await symbols(client, cursor=created_at, sort="created_at") == ["AAPL", "MSFT"]
