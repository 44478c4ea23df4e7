"""POST /prices/import: a CSV file, all rows or none."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.stock.stock_api import STOCKS, CreateStock, assert_problem

IMPORT = "/api/v1/prices/import"


async def post_csv(
    client: httpx.AsyncClient, content: bytes, content_type: str = "text/csv"
) -> httpx.Response:
    return await client.post(IMPORT, content=content, headers={"content-type": content_type})


@pytest.fixture
async def stocks(create_stock: CreateStock) -> dict[str, dict[str, Any]]:
    return {
        "AAPL": await create_stock("AAPL", "Apple"),
        "MSFT": await create_stock("MSFT", "Microsoft"),
        "IBM": await create_stock("IBM", "IBM"),
    }


async def prices_of(client: httpx.AsyncClient, stock: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get(f"{STOCKS}/{stock['id']}/prices")).json()[
        "items"
    ]
    return items


async def test_a_good_file_records_every_row(
    client: httpx.AsyncClient, stocks: dict[str, dict[str, Any]]
) -> None:
    content = (
        b"symbol,date,close,open,high,low,volume\r\n"
        b"AAPL,2025-01-02,150.25,149,151,148.5,1000\r\n"
        b"aapl,2025-01-03,151.75,,,,\r\n"
        b"\r\n"
        b"MSFT,2025-01-02,400.123456789012,,,,\r\n"
    )
    response = await post_csv(client, content)
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 3, "stocks": 2}
    assert await prices_of(client, stocks["AAPL"]) == [
        {
            "date": "2025-01-02",
            "close": "150.25",
            "open": "149",
            "high": "151",
            "low": "148.5",
            "volume": 1000,
        },
        {
            "date": "2025-01-03",
            "close": "151.75",
            "open": None,
            "high": None,
            "low": None,
            "volume": None,
        },
    ]
    assert [p["close"] for p in await prices_of(client, stocks["MSFT"])] == ["400.123456789012"]
    fetched = (await client.get(f"{STOCKS}/{stocks['AAPL']['id']}")).json()
    assert fetched["latest_price"] == {"date": "2025-01-03", "close": "151.75"}

    # columns in any order, a BOM, a charset; a stored date is replaced
    content = "\ufeffclose,Date,SYMBOL\n152,2025-01-03,aapl\n".encode()
    response = await post_csv(client, content, "text/csv; charset=utf-8")
    assert response.json() == {"recorded": 1, "stocks": 1}
    replaced = (await prices_of(client, stocks["AAPL"]))[-1]
    assert (replaced["date"], replaced["close"], replaced["open"]) == ("2025-01-03", "152", None)


async def test_bad_rows_on_several_lines_reject_the_whole_file(
    client: httpx.AsyncClient, stocks: dict[str, dict[str, Any]]
) -> None:
    content = (
        b"symbol,date,close,high,low,volume\n"  # line 1
        b"AAPL,2025-01-02,150,,,\n"  # 2: good
        b"AAPL,2025-01-03,-1,,,\n"  # 3: close <= 0
        b"MSFT,2025-01-02,1,,,\n"  # 4: good
        b"AAPL,yesterday,1,,,\n"  # 5: bad date
        b"ZZZZ,2025-01-02,1,,,\n"  # 6: unknown symbol
        b"\n"  # 7: blank, skipped
        b"MSFT,2025-01-03,abc,,,\n"  # 8: not a number
        b"MSFT,2025-01-04,1,1,2,\n"  # 9: high below low
        b"MSFT,2025-01-05,1,,,-5\n"  # 10: negative volume
        b"MSFT,2025-01-06,,,,\n"  # 11: close missing
        b"MSFT,2025-01-07,1,,,,extra\n"  # 12: too many cells
        b"AAPL,2025-01-02,151,,,\n"  # 13: same stock and date as line 2
        b"MSFT,2025-01-08,NaN,,,\n"  # 14: not finite
        b"MSFT,2025-01-09,0.0000000000001,,,\n"  # 15: 13 places
    )
    response = await post_csv(client, content)
    body = assert_problem(response, 422, "IMPORT_REJECTED")
    assert body["type"] == "urn:stockbook:problem:import-rejected"
    lines = [error["line"] for error in body["errors"]]
    assert lines == [3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15]
    by_line = {error["line"]: error for error in body["errors"]}
    assert by_line[3]["field"] == "close"
    assert by_line[5]["field"] == "date"
    assert by_line[6] == {"line": 6, "field": "symbol", "message": "unknown symbol ZZZZ"}
    assert by_line[8]["field"] == "close"
    assert by_line[9]["field"] == "high"
    assert by_line[10]["field"] == "volume"
    assert by_line[11] == {"line": 11, "field": "close", "message": "is required"}
    assert "7 cells for 6 columns" in by_line[12]["message"]
    assert by_line[13]["field"] == "date"
    assert by_line[14]["field"] == "close"
    assert by_line[15]["field"] == "close"
    assert "nothing was recorded" in body["detail"]
    for stock in stocks.values():
        assert await prices_of(client, stock) == []


REJECTED_FILES: list[tuple[bytes, list[dict[str, Any]]]] = [
    (
        b"symbol,date,close\nAAPL,2025-01-02,1\nMSFT,2025-01-02,1\nNOPE,2025-01-02,1\n",
        [{"line": 4, "field": "symbol", "message": "unknown symbol NOPE"}],
    ),
    (
        "symbol,date,close\nAAPL,2025-01-02,1\nAAPL,2025-01-03,1\nıbm,2025-01-02,1\n".encode(),
        [{"line": 4, "field": "symbol", "message": "unknown symbol ıBM"}],
    ),
    (
        b"symbol,date,close\nAAPL,2025-01-02,1\nMS\xffFT,2025-01-02,1\n",
        [{"line": 3, "message": "the file is not valid UTF-8"}],
    ),
    (b"", [{"line": 1, "message": "the file is empty"}]),
    (b"symbol,date,close\n", [{"line": 2, "message": "the file has no data rows"}]),
    (b"symbol,date,close\n\n\n", [{"line": 2, "message": "the file has no data rows"}]),
    (
        b"symbol,date\nAAPL,2025-01-02\n",
        [{"line": 1, "field": "close", "message": "required column is missing"}],
    ),
    (
        b"symbol,date,close,adj_close\nAAPL,2025-01-02,1,1\n",
        [{"line": 1, "field": "adj_close", "message": "unknown column"}],
    ),
    (
        b"symbol,date,close\nAAPL,2999-01-01,1\n",
        [{"line": 2, "field": "date", "message": "is in the future"}],
    ),
    (  # other forms of ISO 8601 than YYYY-MM-DD (API.md), which Python reads
        b"symbol,date,close\nAAPL,20250114,1\nAAPL,2025-W03-2,1\n",
        [
            {"line": 2, "field": "date", "message": "must be a date YYYY-MM-DD"},
            {"line": 3, "field": "date", "message": "must be a date YYYY-MM-DD"},
        ],
    ),
    (
        "symbol,date,close\nAAPL,2025-01-02,1_0\nAAPL,2025-01-03,\uff11\n".encode(),
        [
            {"line": 2, "field": "close", "message": "'1_0' is not a number"},
            {"line": 3, "field": "close", "message": "'\uff11' is not a number"},
        ],
    ),
]


async def test_each_way_a_file_is_rejected_lists_the_line_and_stores_nothing(
    client: httpx.AsyncClient, stocks: dict[str, dict[str, Any]]
) -> None:
    for content, expected in REJECTED_FILES:
        body = assert_problem(await post_csv(client, content), 422, "IMPORT_REJECTED")
        assert body["errors"] == expected, content
    content = b"symbol,date,close\nAAPL,2025-01-02,1\n"
    for content_type in ("application/json", "text/plain", "application/octet-stream", None):
        headers = {"content-type": content_type} if content_type else {}
        response = await client.post(IMPORT, content=content, headers=headers)
        assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    for stock in stocks.values():
        assert await prices_of(client, stock) == []
