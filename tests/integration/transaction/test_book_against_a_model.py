"""Random sequences of buys, sales, voids, back-dated inserts and splits, sent through the
real app (SQLite), against a simple model: the app accepts exactly what the model accepts,
and its book ends up holding exactly the model's transactions."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from dependency_injector import providers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootstrap.app import create_app
from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from contexts.transaction.domain.ledger import LedgerEntry, LedgerSplit
from tests.api.transaction.book_api import (
    STOCKS,
    TRANSACTIONS,
    create_portfolio,
    create_stock,
    list_all,
    record,
    trade,
)
from tests.conftest import FAST_PASSWORD_HASHER, TEST_SECRET_KEY, http_client, register_and_log_in
from tests.unit.transaction.ledger_oracle import oracle_balances

START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

Operation = tuple[str, int, int]
"""(kind, day or index, quantity or ratio)."""

operations = st.lists(
    st.one_of(
        st.tuples(st.just("BUY"), st.integers(0, 20), st.integers(1, 10)),
        st.tuples(st.just("SELL"), st.integers(0, 20), st.integers(1, 10)),
        st.tuples(st.just("VOID"), st.integers(0, 50), st.just(0)),
        st.tuples(st.just("SPLIT"), st.integers(0, 20), st.integers(2, 3)),
    ),
    min_size=4,
    max_size=16,
)


@dataclass
class Model:
    """The position as the issue describes it, checked by brute force."""

    entries: list[LedgerEntry] = field(default_factory=list)
    splits: list[LedgerSplit] = field(default_factory=list)
    ids: dict[uuid.UUID, str] = field(default_factory=dict)

    def allows(self, after: list[LedgerEntry]) -> bool:
        return all(balance >= 0 for balance in oracle_balances(after, self.splits).values())


async def _scenario(url: str, ops: list[Operation]) -> None:
    settings_ = Settings(database_url=url, secret_key=TEST_SECRET_KEY)
    container = RootContainer(settings=settings_)
    container.identity.password_hasher.override(providers.Object(FAST_PASSWORD_HASHER))
    app = create_app(settings_, container)
    async with app.router.lifespan_context(app):
        token = await register_and_log_in(app, f"{uuid.uuid4().hex}@example.com")
        async with http_client(app, token) as client:
            await _run(client, ops)


async def _run(client: httpx.AsyncClient, ops: list[Operation]) -> None:
    portfolio = await create_portfolio(client, "Model")
    stock = await create_stock(client, f"M{uuid.uuid4().hex[:8].upper()}")
    pid, sid = portfolio["id"], stock["id"]
    model = Model()
    for step, (kind, value, amount) in enumerate(ops):
        if kind == "SPLIT":  # forward splits, recorded before or after the trades they affect
            day = (START + timedelta(days=value)).date()
            if day in {s.effective_date for s in model.splits}:
                continue
            response = await client.post(
                f"{STOCKS}/{sid}/splits",
                json={"effective_date": day.isoformat(), "numerator": amount, "denominator": 1},
            )
            assert response.status_code == 201, response.text
            model.splits.append(LedgerSplit(day, amount, 1))
            continue
        if kind == "VOID":
            if not model.entries:
                continue
            victim = model.entries[value % len(model.entries)]
            after = [e for e in model.entries if e is not victim]
            response = await client.delete(f"{TRANSACTIONS}/{model.ids[victim.transaction_id]}")
            expected = 204 if model.allows(after) else 409
            assert response.status_code == expected, (step, ops, response.text)
            if expected == 204:
                model.entries = after
            continue
        at = START + timedelta(days=value)
        entry = LedgerEntry(
            uuid.uuid4(),
            at,
            START + timedelta(days=100, seconds=step),
            Decimal(amount if kind == "BUY" else -amount),
        )
        after = [*model.entries, entry]
        response = await record(client, pid, trade(kind, sid, str(amount), at.isoformat()))
        expected = 201 if model.allows(after) else 409
        assert response.status_code == expected, (step, ops, response.text)
        if expected == 201:
            model.entries = after
            model.ids[entry.transaction_id] = response.json()["id"]
        else:
            assert response.json()["code"] == "INSUFFICIENT_QUANTITY"

    live = await list_all(client, pid)
    expected_ids = {model.ids[e.transaction_id] for e in model.entries}
    assert {t["id"] for t in live} == expected_ids
    by_id: dict[str, Any] = {t["id"]: t for t in live}
    for e in model.entries:
        item = by_id[model.ids[e.transaction_id]]
        assert Decimal(item["quantity"]) == abs(e.delta)
        assert datetime.fromisoformat(item["executed_at"]) == e.executed_at


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_the_app_accepts_exactly_what_the_model_accepts(
    ops: list[Operation], sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "model.db"
    if not database.exists():  # one database for every example: each uses its own portfolio
        shutil.copyfile(sqlite_template, database)
    asyncio.run(_scenario(f"sqlite+aiosqlite:///{database}", ops))


def test_the_model_refuses_what_the_issue_says() -> None:
    model = Model()
    buy = LedgerEntry(uuid.uuid4(), START, START, Decimal(10))
    sale = LedgerEntry(uuid.uuid4(), START + timedelta(days=60), START, Decimal(-15))
    assert not model.allows([buy, sale])
    model.splits.append(LedgerSplit(date(2025, 2, 1), 2, 1))
    assert model.allows([buy, sale])
