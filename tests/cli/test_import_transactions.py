"""``stockbook import-transactions FILE --portfolio ID --user EMAIL``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from bootstrap.cli import main
from tests.api.transaction.book_api import create_portfolio, create_stock, list_all
from tests.cli.conftest import Run

GOOD = (
    "executed_at,type,symbol,quantity,price,amount,external_id\n"
    "2025-01-02,BUY,AAPL,10,1.5,,a\n"
    "2025-01-03,SELL,AAPL,4,2,,b\n"
    "2025-01-04,DEPOSIT,,,,100,\n"
)
BAD_ROWS = "soon,BUY,AAPL,1,1,,\n2025-01-05,BUY,ZZZZ,1,1,,\n2025-01-06,SELL,AAPL,7,1,,\n"
OWNER = "owner@example.com"


@pytest.fixture(autouse=True)
def _in_a_scratch_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The command in this process keeps a development key for PostgreSQL in the working
    directory: the test's own, not the checkout's."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def book(client: httpx.AsyncClient) -> dict[str, Any]:
    await create_stock(client, "AAPL")
    return await create_portfolio(client, "Imported")


async def _cli(monkeypatch: pytest.MonkeyPatch, database_url: str, *args: str) -> int:
    monkeypatch.setenv("STOCKBOOK_DATABASE_URL", database_url)
    return await asyncio.to_thread(main, ["import-transactions", *args])


async def test_the_command_imports_a_file_and_skips_what_it_already_has(
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    tmp_path: Path,
    client: httpx.AsyncClient,
    book: dict[str, Any],
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD)  # the deposit has no external_id: a re-import records it again
    args = ("import-transactions", str(good), "--portfolio", book["id"], "--user")
    first = run(*args, OWNER, STOCKBOOK_DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    assert "recorded 3 transactions, skipped 0 already imported" in first.stdout
    assert "Traceback" not in first.stderr
    items = await list_all(client, book["id"])
    assert [(t["type"], t["quantity"], t["external_id"]) for t in items] == [
        ("DEPOSIT", None, None),
        ("SELL", "4", "b"),
        ("BUY", "10", "a"),
    ]
    # what the command recorded reached the holdings projection as the app's writes do
    holdings = (await client.get(f"/api/v1/portfolios/{book['id']}/holdings")).json()
    assert [(h["symbol"], h["quantity"]) for h in holdings["holdings"]] == [("AAPL", "6")]
    assert holdings["totals"]["cash_balance"] == "93.00"
    # again (in this process: quicker than another console script)
    assert await _cli(monkeypatch, database_url, *args[1:], "OWNER@example.com") == 0
    assert "recorded 1 transactions, skipped 2 already imported" in capsys.readouterr().out
    assert len(await list_all(client, book["id"])) == 4


async def test_a_bad_file_is_refused_line_by_line_and_records_nothing(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    tmp_path: Path,
    client: httpx.AsyncClient,
    book: dict[str, Any],
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        GOOD + "soon,BUY,AAPL,1,1,\n2025-01-05,BUY,ZZZZ,1,1,\n2025-01-06,SELL,AAPL,7,1,\n"
    )
    code = await _cli(
        monkeypatch,
        database_url,
        str(bad),
        "--portfolio",
        book["id"],
        "--user",
        "owner@example.com",
    )
    captured = capsys.readouterr()
    assert code == 2
    assert "line 5: executed_at:" in captured.err
    assert "line 6: symbol: unknown symbol ZZZZ" in captured.err
    assert "line 7: quantity:" in captured.err
    assert "stockbook: The file has 3 problem(s) (lines 5, 6, 7); nothing was recorded." in (
        captured.err
    )
    assert "Traceback" not in captured.err
    assert await list_all(client, book["id"], include_voided="true") == []


async def test_wrong_file_user_or_portfolio_fail_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    tmp_path: Path,
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    book: dict[str, Any],
) -> None:
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    theirs = await create_portfolio(other_client, "Theirs")
    cases = [
        (
            (str(tmp_path / "missing.csv"), "--portfolio", book["id"]),
            "owner@example.com",
            "no file",
        ),
        ((str(good), "--portfolio", book["id"]), "nobody@example.com", ""),
        ((str(good), "--portfolio", theirs["id"]), OWNER, "No such portfolio"),
    ]
    for args, user, expected in cases:
        code = await _cli(monkeypatch, database_url, *args, "--user", user)
        err = capsys.readouterr().err
        assert code == 2, err
        last = err.strip().splitlines()[-1]
        assert last.startswith("stockbook: "), err
        assert expected in last, err
        assert "Traceback" not in err
    assert await list_all(client, book["id"]) == []
    assert await list_all(other_client, theirs["id"]) == []
