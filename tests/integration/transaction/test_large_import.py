"""A 10,000-row import, its re-import and its export, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from contexts.transaction.infrastructure.tables import transactions
from tests.api.transaction.book_api import (
    count_rows,
    create_portfolio,
    create_stock,
    export_url,
    import_url,
    list_all,
    post_csv,
)

ROWS = 10_000
SYMBOLS = ("AAPL", "MSFT", "BRK.B", "7203.T")


def ten_thousand_rows() -> str:
    """Per symbol, alternating buys of 3 and sales of 1, one minute apart, plus cash rows."""
    lines = ["executed_at,type,symbol,quantity,price,amount,fee,tax,notes,external_id"]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for index in range(ROWS):
        at = (start + timedelta(minutes=index)).isoformat()
        if index % 10 == 9:
            lines.append(f"{at},DEPOSIT,,,,{index}.01,,,cash {index},row-{index}")
            continue
        symbol = SYMBOLS[index % len(SYMBOLS)]
        turn = index // len(SYMBOLS)
        kind, quantity = ("BUY", "3") if turn % 2 == 0 else ("SELL", "1")
        lines.append(f"{at},{kind},{symbol},{quantity},{100 + index % 7}.25,,0.5,,,row-{index}")
    return "\n".join(lines) + "\n"


async def test_10000_rows_import_reimport_as_duplicates_and_export(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for symbol in SYMBOLS:
        await create_stock(client, symbol)
    portfolio = await create_portfolio(client, "Big")
    content = ten_thousand_rows()

    response = await post_csv(client, import_url(portfolio["id"]), content)
    assert response.status_code == 200, response.text[:2000]
    assert response.json() == {"recorded": ROWS, "skipped_duplicates": 0, "dry_run": False}
    assert await count_rows(app, transactions) == ROWS

    again = await post_csv(client, import_url(portfolio["id"]), content)
    assert again.json() == {"recorded": 0, "skipped_duplicates": ROWS, "dry_run": False}
    assert await count_rows(app, transactions) == ROWS

    exported = await client.get(export_url(portfolio["id"]))
    assert exported.status_code == 200
    lines = exported.text.splitlines()
    assert len(lines) == ROWS + 1
    assert lines[1].startswith("2020-01-01T00:00:00Z,BUY,AAPL,3,100.25,300.75,0.5,0,,row-0")


async def test_a_big_file_with_bad_rows_at_several_lines_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    for symbol in SYMBOLS[1:]:
        await create_stock(client, symbol)
    lines = ten_thousand_rows().splitlines()
    # a sale, and cash rows (bad buys would also leave later sales short: more problems)
    bad_lines = [6, 10, 780, 5000, ROWS]  # line numbers count the header as 1
    for line in bad_lines:
        cells = lines[line - 1].split(",")
        cells[0] = "not-a-date"
        lines[line - 1] = ",".join(cells)
    response = await post_csv(client, import_url(portfolio["id"]), "\n".join(lines) + "\n")
    assert response.status_code == 422, response.text[:500]
    body = response.json()
    assert body["code"] == "IMPORT_REJECTED"
    assert [e["line"] for e in body["errors"]] == bad_lines
    assert all(e["field"] == "executed_at" for e in body["errors"])
    assert await list_all(client, portfolio["id"], include_voided="true") == []
    assert await count_rows(app, transactions) == 0
