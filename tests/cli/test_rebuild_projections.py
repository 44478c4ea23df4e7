"""``stockbook rebuild-projections [--portfolio ID] [--check]``, run as the real
console script against a temporary SQLite database filled through the app."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

from dependency_injector import providers
from fastapi import FastAPI

from bootstrap.app import create_app
from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from tests.api.portfolio_analytics.analytics_api import (
    add_split,
    cash,
    create_portfolio,
    create_stock,
    get_holdings,
    income,
    set_prices,
    trade,
    void,
)
from tests.cli.conftest import Outcome, Run
from tests.conftest import FAST_PASSWORD_HASHER, PASSWORD, http_client, register_and_log_in

AGREES = "the projection agrees with the book"


@dataclass(frozen=True)
class Book:
    database: Path
    first: str
    second: str
    holdings: dict[str, dict[str, object]]
    """Each portfolio's holdings report (FIFO) as the app showed it."""


def _app(database: Path) -> FastAPI:
    """The app, in this process, on the database the commands use."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}")
    container = RootContainer(settings=settings)
    container.identity.password_hasher.override(providers.Object(FAST_PASSWORD_HASHER))
    return create_app(settings, container)


async def _fill(database: Path) -> Book:
    """Two portfolios with trades, a void, a dividend and a split, through the app."""
    app = _app(database)
    async with app.router.lifespan_context(app):
        token = await register_and_log_in(app, "operator@example.com")
        async with http_client(app, token) as client:
            first = await create_portfolio(client, "first")
            second = await create_portfolio(client, "second")
            stock_id = await create_stock(client, "CLI")
            other_id = await create_stock(client, "CLJ")
            for portfolio_id in (first, second):
                await cash(client, portfolio_id, "DEPOSIT", "5000", "2024-01-01T10:00:00Z")
                await trade(
                    client, portfolio_id, "BUY", stock_id, "10", "100", "2024-01-02T15:00:00Z"
                )
                await trade(
                    client, portfolio_id, "SELL", stock_id, "4", "110", "2024-01-03T15:00:00Z"
                )
                await income(
                    client, portfolio_id, "DIVIDEND", stock_id, "6", "2024-01-04T10:00:00Z"
                )
            await trade(client, first, "BUY", other_id, "3", "20", "2024-01-02T15:00:00Z")
            mistake = await trade(
                client, second, "BUY", other_id, "1", "20", "2024-01-02T16:00:00Z"
            )
            await void(client, mistake)
            await add_split(client, stock_id, "2024-01-05", 2, 1)
            await set_prices(client, stock_id, {"2024-01-05": "60"})
            holdings = {p: await get_holdings(client, p) for p in (first, second)}
    return Book(database, first, second, holdings)


async def _holdings_now(book: Book) -> dict[str, dict[str, object]]:
    app = _app(book.database)
    async with app.router.lifespan_context(app):
        async with http_client(app) as anonymous:
            issued = await anonymous.post(
                "/api/v1/auth/token",
                data={"username": "operator@example.com", "password": PASSWORD},
            )
            assert issued.status_code == 200, issued.text
        async with http_client(app, issued.json()["access_token"]) as client:
            return {p: await get_holdings(client, p) for p in (book.first, book.second)}


def _sql(database: Path, statement: str, *parameters: object) -> None:
    with sqlite3.connect(database) as connection:
        changed = connection.execute(statement, parameters).rowcount
    assert changed == 1, statement


def _stored_id(value: str) -> str:
    """A UUID as SQLAlchemy stores it in SQLite (32 hex digits)."""
    return UUID(value).hex


def _assert_clean(outcome: Outcome) -> None:
    assert outcome.returncode == 0, outcome
    assert "Traceback" not in outcome.stderr + outcome.stdout


async def test_check_then_rebuild_after_corrupting_the_projection(run: Run, migrated: Path) -> None:
    book = await _fill(migrated)
    consistent = run("rebuild-projections", "--check")
    _assert_clean(consistent)
    assert consistent.stdout.strip() == AGREES
    assert "checking" in consistent.stderr  # the progress bar, on stderr
    assert "2/2" in consistent.stderr

    # corrupt one holding of the first portfolio, drop its other one, and corrupt
    # the second portfolio's cash balance
    first, second = _stored_id(book.first), _stored_id(book.second)
    _sql(
        migrated,
        "UPDATE portfolio_holdings SET quantity = '999', fifo_cost_basis = '1' "
        "WHERE portfolio_id = ? AND quantity = '12'",
        first,
    )
    _sql(
        migrated, "DELETE FROM portfolio_holdings WHERE portfolio_id = ? AND quantity = '3'", first
    )
    _sql(
        migrated,
        "UPDATE portfolio_cash_balances SET balance = '-0.01' WHERE portfolio_id = ?",
        second,
    )

    check = run("rebuild-projections", "--check")
    assert check.returncode == 2, check
    assert "Traceback" not in check.stderr + check.stdout
    assert check.stderr.strip().splitlines()[-1] == (
        "stockbook: 3 difference(s) between the projection and the book"
    )
    problems = check.stdout.strip().splitlines()
    assert len(problems) == 3, check.stdout
    of_first = [line for line in problems if line.startswith(f"portfolio {book.first}: stock ")]
    assert len(of_first) == 2, problems
    assert any("999" in line for line in of_first)
    assert any("stored None" in line for line in of_first)  # the dropped row
    (cash_problem,) = [line for line in problems if line not in of_first]
    assert cash_problem.startswith(f"portfolio {book.second}: cash: stored -0.01")

    # --portfolio limits the check and the rebuild to one portfolio
    only_second = run("rebuild-projections", "--check", "--portfolio", book.second)
    assert only_second.returncode == 2
    assert only_second.stdout.strip().splitlines() == [cash_problem]
    rebuilt = run("rebuild-projections", "--portfolio", book.first)
    _assert_clean(rebuilt)
    assert rebuilt.stdout.strip() == "projections rebuilt"
    assert "rebuilding" in rebuilt.stderr
    assert "1/1" in rebuilt.stderr

    everything = run("rebuild-projections")
    _assert_clean(everything)
    assert everything.stdout.strip() == "projections rebuilt"
    final = run("rebuild-projections", "--check")
    _assert_clean(final)
    assert final.stdout.strip() == AGREES
    # the app shows exactly what it showed before the corruption
    assert await _holdings_now(book) == book.holdings


def test_bad_arguments_and_an_unknown_portfolio(run: Run, migrated: Path) -> None:
    not_an_id = run("rebuild-projections", "--portfolio", "not-a-uuid")
    assert not_an_id.returncode == 2
    assert "--portfolio" in not_an_id.stderr
    assert "Traceback" not in not_an_id.stderr
    unknown = str(uuid4())
    outcome = run("rebuild-projections", "--check", "--portfolio", unknown)
    assert outcome.returncode == 2, outcome
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert outcome.stdout == ""
    assert outcome.stderr.strip().splitlines() == [f"stockbook: no portfolio {unknown}"]


async def test_figures_of_a_portfolio_without_transactions_are_found_and_cleared(
    run: Run, migrated: Path
) -> None:
    """The projection may hold figures of a portfolio the book has no transactions of:
    a full check and rebuild must look at it too, not only at portfolios with some."""
    book = await _fill(migrated)
    app = _app(migrated)
    async with app.router.lifespan_context(app):
        async with http_client(app) as anonymous:
            issued = await anonymous.post(
                "/api/v1/auth/token",
                data={"username": "operator@example.com", "password": PASSWORD},
            )
        async with http_client(app, issued.json()["access_token"]) as client:
            empty = await create_portfolio(client, "empty")
    _sql(
        migrated,
        "INSERT INTO portfolio_cash_balances (portfolio_id, balance) VALUES (?, '77')",
        _stored_id(empty),
    )
    check = run("rebuild-projections", "--check")
    assert check.returncode == 2, check
    assert check.stdout.strip().splitlines() == [
        f"portfolio {empty}: cash: stored 77, replay gives 0"
    ]
    _assert_clean(run("rebuild-projections"))
    assert run("rebuild-projections", "--check").stdout.strip() == AGREES
    assert await _holdings_now(book) == book.holdings


def test_on_an_unmigrated_database_it_says_so_in_one_line(run: Run, database_path: Path) -> None:
    database_path.parent.mkdir()
    outcome = run("rebuild-projections", "--portfolio", str(uuid4()))
    assert outcome.returncode == 2, outcome
    assert "Traceback" not in outcome.stderr + outcome.stdout
    (line,) = outcome.stderr.strip().splitlines()
    assert "not migrated" in line
    assert "stockbook migrate" in line
