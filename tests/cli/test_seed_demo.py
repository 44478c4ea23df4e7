"""``stockbook seed-demo``: a demo user, stocks with prices, and a portfolio whose
history went through the book and the holdings projection."""

from __future__ import annotations

import re
import shlex
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bootstrap.app import create_app
from bootstrap.demo_data import DEMO_SPLIT_SYMBOL, DEMO_STOCKS
from bootstrap.settings import Settings
from tests.cli.conftest import Outcome, Run
from tests.conftest import http_client

PASSWORD = "correct horse battery staple"
API = "/api/v1"


def _seeded(outcome: Outcome) -> tuple[str, str]:
    """The portfolio id and the printed password ("" when none) of a successful run."""
    assert outcome.returncode == 0, outcome.stderr
    assert "Traceback" not in outcome.stderr
    portfolio = re.search(r"portfolio 'Demo portfolio' ([0-9a-f-]{36})", outcome.stdout)
    assert portfolio, outcome.stdout
    assert f"{API}/portfolios/{portfolio.group(1)}/holdings" in outcome.stdout
    assert f"{API}/portfolios/{portfolio.group(1)}/performance" in outcome.stdout
    assert f"{API}/auth/token" in outcome.stdout
    password = re.search(r"^demo user: demo@example\.com, password (.+)$", outcome.stdout, re.M)
    return portfolio.group(1), password.group(1) if password else ""


@pytest.fixture
async def app_on(database_path: Path) -> AsyncIterator[FastAPI]:
    """The app, in this process, on the database the command seeded."""
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{database_path}"))
    async with app.router.lifespan_context(app):
        yield app


async def _logged_in(app: FastAPI, password: str) -> httpx.AsyncClient:
    async with http_client(app) as anonymous:
        issued = await anonymous.post(
            f"{API}/auth/token", data={"username": "demo@example.com", "password": password}
        )
    assert issued.status_code == 200, issued.text
    return http_client(app, issued.json()["access_token"])


async def _get(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


async def _transaction_count(client: httpx.AsyncClient, portfolio_id: str) -> int:
    count, cursor = 0, None
    while True:
        query = f"?limit=500&cursor={cursor}" if cursor else "?limit=500"
        page = await _get(client, f"{API}/portfolios/{portfolio_id}/transactions{query}")
        count += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return count


def test_seed_demo_migrates_a_new_database_and_prints_how_to_log_in(
    run: Run, database_path: Path
) -> None:
    database_path.parent.mkdir(parents=True)
    outcome = run("seed-demo", "--years", "1", timeout=120)
    _, password = _seeded(outcome)
    assert len(password) >= 12
    assert "10 new" in outcome.stdout
    assert "60 transactions recorded" in outcome.stdout


async def test_the_seeded_portfolio_has_holdings_through_the_projection(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    portfolio_id, password = _seeded(
        run("seed-demo", "--years", "1", "--password", PASSWORD, timeout=120)
    )
    assert password == PASSWORD
    async with await _logged_in(app_on, PASSWORD) as client:
        holdings = await _get(client, f"{API}/portfolios/{portfolio_id}/holdings")
        assert len(holdings["holdings"]) >= 5
        for line in holdings["holdings"]:
            assert line["symbol"] in {spec.symbol for spec in DEMO_STOCKS}
            assert float(line["quantity"]) > 0
            assert line["latest_price"] is not None
        totals = holdings["totals"]
        assert float(totals["market_value"]) > 0
        assert float(totals["dividends"]) > 0
        assert float(totals["taxes"]) > 0
        assert float(totals["fees"]) > 0
        assert await _transaction_count(client, portfolio_id) == 60

        allocation = await _get(client, f"{API}/portfolios/{portfolio_id}/allocation?by=sector")
        assert len(allocation["items"]) >= 3

        stocks = await _get(client, f"{API}/stocks?limit=50")
        assert {s["symbol"] for s in stocks["items"]} == {spec.symbol for spec in DEMO_STOCKS}
        assert all(s["latest_price"] is not None for s in stocks["items"])
        nvda = await _get(client, f"{API}/stocks/by-symbol/{DEMO_SPLIT_SYMBOL}")
        splits = await _get(client, f"{API}/stocks/{nvda['id']}/splits")
        assert [(s["numerator"], s["denominator"]) for s in splits["items"]] == [(4, 1)]


async def test_seeding_twice_reuses_what_is_there(
    run: Run, migrated: Path, app_on: FastAPI
) -> None:
    portfolio_id, _ = _seeded(run("seed-demo", "--years", "1", "--password", PASSWORD, timeout=120))
    again = run("seed-demo", "--years", "1", timeout=120)
    assert _seeded(again) == (portfolio_id, "")
    assert "already there" in again.stdout
    assert "0 new" in again.stdout
    assert "already had its transactions" in again.stdout
    async with await _logged_in(app_on, PASSWORD) as client:
        assert await _transaction_count(client, portfolio_id) == 60
        portfolios = await _get(client, f"{API}/portfolios")
        assert len(portfolios["items"]) == 1


async def test_another_email_gets_its_own_user_and_portfolio_on_the_same_stocks(
    run: Run, migrated: Path
) -> None:
    first, _ = _seeded(run("seed-demo", "--years", "1", timeout=120))
    password = "p+ss&word=50% 'quoted' ok!"  # form syntax and shell quotes
    other = run(
        "seed-demo", "--years", "1", "--email", "Other+1@Example.com", "--password", password,
        timeout=120,
    )  # fmt: skip
    assert other.returncode == 0, other.stderr
    assert "demo user: other+1@example.com" in other.stdout
    # the printed login sends both as they are: curl URL-encodes each
    (login,) = [line for line in other.stdout.splitlines() if "curl" in line]
    arguments = shlex.split(login)
    assert arguments[-4:] == [
        "--data-urlencode",
        "username=other+1@example.com",
        "--data-urlencode",
        f"password={password}",
    ]
    assert "0 new" in other.stdout
    assert first not in other.stdout


def _assert_one_clear_line(outcome: Outcome, *names: str) -> None:
    assert outcome.returncode != 0, outcome
    assert "Traceback" not in outcome.stderr + outcome.stdout, outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("stockbook: "), lines[0]
    for name in names:
        assert name in lines[0], lines[0]


def test_a_short_password_is_refused_in_one_line(run: Run, migrated: Path) -> None:
    outcome = run("seed-demo", "--password", "short")
    _assert_one_clear_line(outcome, "password")


def test_production_does_not_migrate_and_says_so_in_one_line(run: Run, database_path: Path) -> None:
    database_path.parent.mkdir(parents=True)
    outcome = run("seed-demo", STOCKBOOK_ENV="production", STOCKBOOK_SECRET_KEY="s" * 40)
    _assert_one_clear_line(outcome, "stockbook migrate")


@pytest.mark.parametrize("years", ["0", "31", "many"])
def test_years_out_of_range_are_refused(run: Run, years: str) -> None:
    outcome = run("seed-demo", "--years", years)
    assert outcome.returncode != 0
    assert "Traceback" not in outcome.stderr
    assert "--years" in outcome.stderr
