"""POST …/transactions/import and GET …/transactions/export (CSV)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import httpx

from tests.api.transaction.book_api import (
    TRANSACTIONS,
    add_split,
    assert_problem,
    buy,
    create_portfolio,
    create_stock,
    delist,
    export_url,
    import_url,
    list_all,
    net_quantities,
    post_csv,
    record_ok,
)

HEADER = "executed_at,type,symbol,quantity,price,amount,fee,tax,notes,external_id\n"


def _summary(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What must survive an export → import: everything but ids and recording times."""
    keys = ("executed_at", "type", "symbol", "quantity", "price", "amount", "fee", "tax")
    return sorted(
        (tuple(item[k] for k in (*keys, "notes", "external_id", "currency")) for item in items),
        key=repr,
    )


async def test_a_valid_file_is_recorded_with_each_row_as_a_transaction(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    await create_stock(client, "MSFT")
    content = (
        "type, Symbol ,executed_at,quantity,price,fee,notes,external_id\n"  # order free, trimmed
        "BUY,aapl,2025-01-02,10,150.25,1.5,first lot,b-1\n"
        "BUY,MSFT,2025-01-02T15:30:00+01:00,3,400,,,b-2\n"
        "\n"  # blank lines are skipped
        'SELL,AAPL,2025-02-03T10:00:00Z,4,160,0,"sold, some",b-3\n'
    )
    response = await post_csv(client, import_url(portfolio["id"]), content)
    assert response.status_code == 200, response.text
    assert response.json() == {"recorded": 3, "skipped_duplicates": 0, "dry_run": False}
    items = await list_all(client, portfolio["id"])
    assert [(t["type"], t["symbol"], t["quantity"], t["amount"]) for t in items] == [
        ("SELL", "AAPL", "4", "640"),
        ("BUY", "MSFT", "3", "1200"),
        ("BUY", "AAPL", "10", "1502.50"),
    ]
    assert items[0]["notes"] == "sold, some"
    assert items[1]["executed_at"] == "2025-01-02T14:30:00Z"
    assert items[2]["executed_at"] == "2025-01-02T00:00:00Z"
    assert items[2]["fee"] == "1.5"
    assert [t["external_id"] for t in items] == ["b-3", "b-2", "b-1"]
    # a BOM and CRLF line ends are fine; the cash types need no symbol
    cash = "\ufeffexecuted_at,type,amount\r\n2025-01-01,DEPOSIT,1000\r\n2025-01-05,FEE,2.5\r\n"
    response = await post_csv(client, import_url(portfolio["id"]), cash.encode("utf-8"))
    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == 2


async def test_a_file_with_bad_rows_is_rejected_whole_listing_every_bad_line(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    await buy(client, portfolio["id"], stock["id"], "1", "2024-12-01T00:00:00Z")
    euro = await create_stock(client, "SAP", currency="EUR")
    lines = [
        HEADER.strip(),
        "2025-01-02,BUY,AAPL,10,1,,,,,ok-2",  # 2: fine
        "2025-01-02,BUY,ZZZZ,1,1,,,,,",  # 3: unknown symbol
        "2025-13-02,BUY,AAPL,1,1,,,,,",  # 4: bad date
        "2025-01-02,BUY,AAPL,ten,1,,,,,",  # 5: bad number
        "2025-01-02,GIFT,AAPL,1,1,,,,,",  # 6: bad type
        "2025-01-02,BUY,AAPL,1,2,3,,,,",  # 7: amount is not quantity × price
        "2999-01-02,BUY,AAPL,1,1,,,,,",  # 8: in the future
        "2025-01-02,DEPOSIT,,,,-5,,,,",  # 9: amount must be > 0
        "2025-01-02,BUY,SAP,1,1,,,,,",  # 10: currency mismatch
        "20250102,DEPOSIT,,,,5,,,,",  # 11: ISO 8601's basic form, not YYYY-MM-DD
        "2025-01-02,BUY,AAPL,1,1,,,,,ok-2",  # 12: external_id repeats line 2
        "2025-01-02,BUY,AAPL,1,1,,,,,,extra",  # 13: too many cells
        "2025-01-02,,AAPL,1,1,,,,,",  # 14: no type
        "2025-03-01,SELL,AAPL,12,1,,,,,",  # 15: 1 + 10 held; short by 1
        "2025-01-02,BUY,AAPL,1,1,,-1,,,",  # 16: negative fee
        "2025-01-02,DEPOSIT,AAPL,,,5,,,,",  # 17: a deposit names no stock
        "2025-01-02,SELL,,1,1,,,,,",  # 18: a sale needs one
        "2025-01-02,BUY,AAPL,1_0,1,,,,,",  # 19: Python's 10, not a plain number
        "2025-01-02,BUY,AAPL,1,\u0661,,,,,",  # 20: an Arabic-Indic 1
        "2025-01-02,BUY,AAPL,10,1,1_0,,,,",  # 21: the stated amount too
        "0001-01-01T00:00+01:00,DEPOSIT,,,,5,,,,",  # 22: in UTC, before the calendar's start
        "9999-12-31T23:00-05:00,DEPOSIT,,,,5,,,,",  # 23: in UTC, after its end
        "2025-W03-2,DEPOSIT,,,,5,,,,",  # 24: a week date, not a date YYYY-MM-DD
    ]
    del euro
    response = await post_csv(client, import_url(portfolio["id"]), "\n".join(lines) + "\n")
    body = assert_problem(response, 422, "IMPORT_REJECTED")
    bad_lines = sorted({error["line"] for error in body["errors"]})
    assert bad_lines == list(range(3, 25)), body["errors"]
    by_line = {error["line"]: error for error in body["errors"]}
    assert "ZZZZ" in by_line[3]["message"]
    assert by_line[3]["field"] == "symbol"
    assert by_line[4]["field"] == "executed_at"
    assert by_line[5]["field"] == "quantity"
    assert by_line[6]["field"] == "type"
    assert by_line[7]["field"] == "amount"
    assert by_line[8]["field"] == "executed_at"
    assert by_line[9]["field"] == "amount"
    assert "EUR" in by_line[10]["message"]
    assert by_line[11]["field"] == "executed_at"
    assert by_line[12]["field"] == "external_id"
    assert "2" in by_line[12]["message"]
    assert by_line[14]["field"] == "type"
    assert "-1" in by_line[15]["message"]
    assert "2025-03-01" in by_line[15]["message"]
    assert by_line[16]["field"] == "fee"
    assert by_line[17]["field"] == "symbol"  # the file's column, not the API's stock_id
    assert by_line[18]["field"] == "symbol"
    assert [by_line[line]["field"] for line in (19, 20, 21)] == ["quantity", "price", "amount"]
    assert [by_line[line]["message"] for line in (22, 23, 24)] == [
        "must not be before 1900",
        "must not be in the future",
        "must be an ISO 8601 timestamp or a date YYYY-MM-DD",
    ]
    assert "nothing was recorded" in body["detail"]
    assert len(await list_all(client, portfolio["id"], include_voided="true")) == 1


async def test_the_ledger_is_checked_over_the_file_and_the_existing_history(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", "2025-01-02T00:00:00Z")
    await record_ok(
        client,
        pid,
        {
            "type": "SELL",
            "stock_id": sid,
            "quantity": "10",
            "price": "1",
            "executed_at": "2025-03-01T00:00:00Z",
        },
    )
    # a back-dated sale in the file breaks the existing March sale
    rejected = await post_csv(
        client,
        import_url(pid),
        "executed_at,type,symbol,quantity,price\n2025-02-01,SELL,AAPL,1,1\n",
    )
    body = assert_problem(rejected, 422, "IMPORT_REJECTED")
    assert body["errors"][0]["line"] == 2
    assert "2025-03-01" in body["errors"][0]["message"]
    # rows of one file apply in their order, the file's buys count for its sales,
    # and a split between them applies
    await add_split(client, sid, "2025-04-01", 2, 1)
    content = (
        "executed_at,type,symbol,quantity,price\n"
        "2025-03-15,BUY,AAPL,3,1\n"
        "2025-05-01,BUY,AAPL,1,1\n"
        "2025-05-01,SELL,AAPL,7,1\n"  # 3 × 2 + 1
        "2025-05-01,BUY,AAPL,2,1\n"
        "2025-05-01,SELL,AAPL,2,1\n"
    )
    response = await post_csv(client, import_url(pid), content)
    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == 5


async def test_dry_run_validates_and_counts_but_records_nothing(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    content = (
        "executed_at,type,symbol,quantity,price,external_id\n"
        "2025-01-02,BUY,AAPL,10,1,a\n"
        "2025-01-03,SELL,AAPL,5,1,b\n"
    )
    dry = await post_csv(client, import_url(portfolio["id"], dry_run=True), content)
    assert dry.status_code == 200, dry.text
    assert dry.json() == {"recorded": 2, "skipped_duplicates": 0, "dry_run": True}
    assert await list_all(client, portfolio["id"], include_voided="true") == []
    bad = await post_csv(
        client, import_url(portfolio["id"], dry_run=True), content.replace(",5,", ",50,")
    )
    assert_problem(bad, 422, "IMPORT_REJECTED")
    real = await post_csv(client, import_url(portfolio["id"]), content)
    assert real.json() == {"recorded": 2, "skipped_duplicates": 0, "dry_run": False}
    # a dry run of the same file again: everything would be skipped
    again = await post_csv(client, import_url(portfolio["id"], dry_run=True), content)
    assert again.json() == {"recorded": 0, "skipped_duplicates": 2, "dry_run": True}


async def test_reimporting_skips_rows_whose_external_id_exists_and_counts_them(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    content = (
        "executed_at,type,symbol,quantity,price,external_id\n"
        "2025-01-02,BUY,AAPL,10,1,a\n"
        "2025-01-03,SELL,AAPL,5,1,b\n"
        "2025-01-04,BUY,AAPL,1,1,\n"  # no external_id: never a duplicate
    )
    first = await post_csv(client, import_url(portfolio["id"]), content)
    assert first.json() == {"recorded": 3, "skipped_duplicates": 0, "dry_run": False}
    second = await post_csv(
        client, import_url(portfolio["id"]), content + "2025-01-05,SELL,AAPL,6,1,c\n"
    )
    assert second.status_code == 200, second.text
    assert second.json() == {"recorded": 2, "skipped_duplicates": 2, "dry_run": False}
    items = await list_all(client, portfolio["id"])
    assert len(items) == 5
    assert net_quantities(items) == {"AAPL": 1}


async def test_a_row_whose_external_id_names_a_different_transaction_is_refused(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    """A duplicate is the same movement again; a corrected row is not, and skipping it
    would leave the old figures standing without a word."""
    url = import_url(portfolio["id"])
    header = "executed_at,type,symbol,quantity,price,amount,fee,notes,external_id\n"
    first = await post_csv(
        client,
        url,
        header + "2025-01-02,BUY,AAPL,10,1.5,,1,first,a\n2025-01-03,DEPOSIT,,,,100,,,b\n",
    )
    assert first.status_code == 200, first.text
    # the same movements, written otherwise, with other notes: duplicates
    same = await post_csv(
        client,
        url,
        header + "2025-01-02T00:00:00Z,buy,aapl,10.0,1.50,15,1.00,again,a\n"
        "2025-01-03T01:00:00+01:00,DEPOSIT,,,,100.00,,,b\n",
    )
    assert same.json() == {"recorded": 0, "skipped_duplicates": 2, "dry_run": False}
    corrected = await post_csv(
        client,
        url,
        header + "2025-01-02,BUY,AAPL,10,1.6,,1,,a\n"  # 2: another price
        "2025-01-04,DEPOSIT,,,,100,,,b\n"  # 3: another day
        "2025-01-05,DEPOSIT,,,,7,,,c\n",  # 4: new
    )
    body = assert_problem(corrected, 422, "IMPORT_REJECTED")
    assert [(error["line"], error["field"]) for error in body["errors"]] == [
        (2, "external_id"),
        (3, "external_id"),
    ]
    assert body["errors"][0]["message"] == (
        "a already names another transaction of the portfolio"
        " (BUY 10 AAPL at 1.5 on 2025-01-02T00:00:00Z): void it to record this one"
    )
    assert len(await list_all(client, portfolio["id"])) == 2


async def test_files_that_are_not_csv_or_not_utf8_or_malformed_are_refused(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    url = import_url(portfolio["id"])
    good = "executed_at,type,symbol,quantity,price\n2025-01-02,BUY,AAPL,1,1\n"
    as_json = await client.post(url, json={"rows": []})
    assert_problem(as_json, 415, "UNSUPPORTED_MEDIA_TYPE")
    as_text = await client.post(url, content=good, headers={"content-type": "text/plain"})
    assert_problem(as_text, 415, "UNSUPPORTED_MEDIA_TYPE")
    with_charset = await client.post(
        url, content=good, headers={"content-type": "text/csv; charset=utf-8"}
    )
    assert with_charset.status_code == 200, with_charset.text

    latin1 = "executed_at,type,amount,notes\n2025-01-02,DEPOSIT,1,café\n".encode("latin-1")
    body = assert_problem(await post_csv(client, url, latin1), 422, "IMPORT_REJECTED")
    assert body["errors"][0]["line"] == 2
    for content, line in (
        (b"", 1),
        (b"executed_at,type\n", 2),  # no data rows
        (b"executed_at,symbol\n2025-01-02,AAPL\n", 1),  # type column missing
        (b"executed_at,type,colour\n2025-01-02,DEPOSIT,red\n", 1),  # unknown column
        (b"executed_at,type,type\n2025-01-02,DEPOSIT,DEPOSIT\n", 1),  # duplicate column
        # Rows that would be valid but for their quoting (no closing quote; text after it):
        (b'executed_at,type,amount,notes\n2025-01-02,DEPOSIT,1,"unterminated\n', 2),
        (b'executed_at,type,amount,notes\n2025-01-02,DEPOSIT,1,x\n2025-01-02,DEPOSIT,"1"0\n', 3),
        (b"\x00\x01\x02", 1),
    ):
        response = await post_csv(client, url, content)
        problem = assert_problem(response, 422, "IMPORT_REJECTED")
        assert problem["errors"][0]["line"] == line, (content, problem["errors"])
    assert len(await list_all(client, portfolio["id"])) == 1


async def test_export_is_csv_in_the_import_format_with_the_live_transactions(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "10", "2025-01-02T10:00:00Z", price="0.1", fee="1")
    voided = await buy(client, pid, sid, "1", "2025-01-03T10:00:00Z")
    assert (await client.delete(f"{TRANSACTIONS}/{voided['id']}")).status_code == 204
    await record_ok(
        client,
        pid,
        {
            "type": "DIVIDEND",
            "stock_id": sid,
            "amount": "2.5",
            "tax": "0.375",
            "executed_at": "2025-01-04T10:00:00.5Z",
            "notes": 'quoted "notes", with\na new line',
            "external_id": "div-1",
        },
    )
    response = await client.get(export_url(pid))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.text.splitlines()[0] == HEADER.strip()
    assert rows == [
        {
            "executed_at": "2025-01-02T10:00:00Z",
            "type": "BUY",
            "symbol": "AAPL",
            "quantity": "10",
            "price": "0.1",
            "amount": "1.0",
            "fee": "1",
            "tax": "0",
            "notes": "",
            "external_id": "",
        },
        {
            "executed_at": "2025-01-04T10:00:00.500000Z",
            "type": "DIVIDEND",
            "symbol": "AAPL",
            "quantity": "",
            "price": "",
            "amount": "2.5",
            "fee": "0",
            "tax": "0.375",
            "notes": 'quoted "notes", with\na new line',
            "external_id": "div-1",
        },
    ]
    empty = await create_portfolio(client, "Empty")
    assert (await client.get(export_url(empty["id"]))).text.splitlines() == [HEADER.strip()]


async def test_the_history_of_a_stock_delisted_since_imports_again(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    """A BUY of a delisted stock is refused when recorded (409), but an import is
    history: the portfolio's export imports again, as API.md promises."""
    pid, sid = portfolio["id"], stock["id"]
    await buy(client, pid, sid, "5", "2025-01-02T10:00:00Z")
    await record_ok(
        client,
        pid,
        {"type": "SELL", "stock_id": sid, "quantity": "2", "price": "3",
         "executed_at": "2025-01-03T10:00:00Z"},
    )  # fmt: skip
    await delist(client, sid)
    exported = await client.get(export_url(pid))
    copy = await create_portfolio(client, "Copy")
    imported = await post_csv(client, import_url(copy["id"]), exported.content)
    assert imported.status_code == 200, imported.text
    assert imported.json()["recorded"] == 2
    original, copied = await list_all(client, pid), await list_all(client, copy["id"])
    assert _summary(copied) == _summary(original)
    assert net_quantities(copied) == {"AAPL": Decimal(3)}
    refused = await client.post(
        f"/api/v1/portfolios/{copy['id']}/transactions",
        json={"type": "BUY", "stock_id": sid, "quantity": "1", "price": "1",
              "executed_at": "2025-01-04T10:00:00Z"},
    )  # fmt: skip
    assert_problem(refused, 409, "STOCK_DELISTED")


async def test_export_then_import_into_an_empty_portfolio_reproduces_the_ledger(
    client: httpx.AsyncClient, portfolio: dict[str, Any], stock: dict[str, Any]
) -> None:
    pid, sid = portfolio["id"], stock["id"]
    msft = await create_stock(client, "MSFT")
    same_instant = "2025-01-10T10:00:00Z"
    bodies: list[dict[str, Any]] = [
        {"type": "DEPOSIT", "amount": "10000", "executed_at": "2025-01-01T09:00:00Z"},
        {"type": "BUY", "stock_id": sid, "quantity": "10", "price": "150.123456789012",
         "fee": "0.99", "executed_at": "2025-01-02T10:00:00Z", "external_id": "x1"},
        {"type": "BUY", "stock_id": msft["id"], "quantity": "0.5", "price": "400",
         "executed_at": "2025-01-03T10:00:00.123456Z"},
        # a buy and a sale of the same shares at the same instant: order matters
        {"type": "BUY", "stock_id": sid, "quantity": "7", "price": "1",
         "executed_at": same_instant},
        {"type": "SELL", "stock_id": sid, "quantity": "17", "price": "2",
         "executed_at": same_instant},
        {"type": "BUY", "stock_id": sid, "quantity": "3", "price": "1",
         "executed_at": same_instant},
        {"type": "DIVIDEND", "stock_id": msft["id"], "amount": "1.23", "tax": "0.18",
         "executed_at": "2025-02-01T00:00:00Z", "notes": "Q1, net"},
        {"type": "FEE", "stock_id": sid, "amount": "5", "executed_at": "2025-02-02T00:00:00Z"},
        {"type": "FEE", "amount": "1", "executed_at": "2025-02-02T00:00:00Z"},
        # text a spreadsheet would run as a formula
        {"type": "INTEREST", "amount": "0.01", "executed_at": "2025-02-03T00:00:00Z",
         "notes": '=HYPERLINK("http://evil.example","rate")', "external_id": "-i1"},
        {"type": "WITHDRAWAL", "amount": "100", "executed_at": "2025-02-04T00:00:00Z",
         "notes": "'@once", "external_id": "+w1"},
    ]  # fmt: skip
    for _ in range(4):  # more of the same: a random order would fail here at once
        for kind in ("BUY", "SELL"):
            bodies.append(
                {"type": kind, "stock_id": msft["id"], "quantity": "1", "price": "1",
                 "executed_at": "2025-01-20T00:00:00Z"}
            )  # fmt: skip
    for body in bodies:
        await record_ok(client, pid, body)
    voided = await buy(client, pid, sid, "1", "2025-02-05T00:00:00Z")
    assert (await client.delete(f"{TRANSACTIONS}/{voided['id']}")).status_code == 204
    await add_split(client, sid, "2025-03-01", 3, 1)
    await buy(client, pid, sid, "2", "2025-03-02T00:00:00Z")
    await record_ok(
        client,
        pid,
        {"type": "SELL", "stock_id": sid, "quantity": "5", "price": "1",
         "executed_at": "2025-03-03T00:00:00Z"},
    )  # fmt: skip

    exported = await client.get(export_url(pid))
    assert exported.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(exported.text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert {'\'=HYPERLINK("http://evil.example","rate")', "'-i1", "''@once", "'+w1"} <= set(cells)
    empty = await create_portfolio(client, "Copy")
    imported = await post_csv(client, import_url(empty["id"]), exported.content)
    assert imported.status_code == 200, imported.text
    assert imported.json()["recorded"] == len(bodies) + 2

    original = await list_all(client, pid)
    copy = await list_all(client, empty["id"])
    assert _summary(copy) == _summary(original)
    # bought − sold in each date's units (3 × 3 + 2 − 5 = 6 held after the split)
    assert net_quantities(copy) == net_quantities(original) == {"AAPL": 0, "MSFT": Decimal("0.5")}
    # the same ledger: exactly the same sales fit, and the same do not
    for target in (pid, empty["id"]):
        too_many = await client.post(
            f"/api/v1/portfolios/{target}/transactions",
            json={"type": "SELL", "stock_id": sid, "quantity": "6.000000000001",
                  "price": "1", "executed_at": "2025-03-04T00:00:00Z"},
        )  # fmt: skip
        assert_problem(too_many, 409, "INSUFFICIENT_QUANTITY")
    # exporting the copy gives the same file
    assert (await client.get(export_url(empty["id"]))).text == exported.text
