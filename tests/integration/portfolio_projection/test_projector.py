"""The holdings projector and its reader, on SQLite and PostgreSQL: idempotent
redelivery, any delivery order, agreement with a full replay of the book,
rebuilding, and independence from the transaction context's tables."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.portfolio.application.ports import HoldingFigures, ProjectionReader
from contexts.portfolio.infrastructure.tables import (
    cash_balances,
    holdings,
    inbox,
    source_transactions,
)
from contexts.stock.contracts import StockSplitRecorded
from contexts.stock.infrastructure.tables import outbox as stock_outbox
from contexts.transaction.contracts import TransactionData, TransactionRecorded, TransactionVoided
from contexts.transaction.infrastructure.tables import outbox as transaction_outbox
from shared_kernel.domain.events import IntegrationEvent
from tests.api.portfolio_analytics.analytics_api import (
    PORTFOLIOS,
    add_split,
    cash,
    create_portfolio,
    create_stock,
    differences,
    get_allocation,
    get_holdings,
    get_performance,
    history_of,
    income,
    projector_of,
    set_prices,
    trade,
    void,
)
from tests.api.portfolio_analytics.random_history import new_stocks, play, random_operations
from tests.integration.portfolio_projection.transactions import transaction_data
from tests.sql_log import statements_run

Snapshot = tuple[list[HoldingFigures], Decimal]


def reader_of(app: FastAPI) -> ProjectionReader:
    reader: ProjectionReader = app.state.container.portfolio.projection_reader()
    return reader


def engine_of(app: FastAPI) -> AsyncEngine:
    engine: AsyncEngine = app.state.container.engine()
    return engine


async def snapshot(app: FastAPI, portfolio_id: str | UUID) -> Snapshot:
    """The stored holdings (ordered by stock) and cash balance of a portfolio."""
    reader = reader_of(app)
    figures = await reader.holdings(UUID(str(portfolio_id)))
    return sorted(figures, key=lambda f: f.stock_id), await reader.cash_balance(
        UUID(str(portfolio_id))
    )


async def published_events(app: FastAPI) -> list[IntegrationEvent]:
    """Every event the transaction and stock contexts published, oldest first."""
    codec = app.state.container.codec()
    found: list[tuple[datetime, IntegrationEvent]] = []
    async with engine_of(app).connect() as connection:
        for table in (transaction_outbox, stock_outbox):
            rows = await connection.execute(select(table.c.events, table.c.written_at))
            for events, written_at in rows:
                found += [(written_at, event) for event in codec.decode(events)]
    found.sort(key=lambda pair: pair[0])
    return [
        event
        for _, event in found
        if isinstance(event, TransactionRecorded | TransactionVoided | StockSplitRecorded)
    ]


# --- redelivery -----------------------------------------------------------------


async def test_a_redelivered_event_changes_nothing(app: FastAPI, client: httpx.AsyncClient) -> None:
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "RDL")
    await cash(client, portfolio_id, "DEPOSIT", "10000", "2024-01-01T10:00:00Z")
    await trade(client, portfolio_id, "BUY", stock_id, "100", "10", "2024-01-02T15:00:00Z", fee="1")
    voided = await trade(client, portfolio_id, "BUY", stock_id, "20", "11", "2024-01-03T15:00:00Z")
    await trade(client, portfolio_id, "SELL", stock_id, "30", "12", "2024-01-04T15:00:00Z", tax="2")
    await income(client, portfolio_id, "DIVIDEND", stock_id, "15", "2024-01-05T10:00:00Z", tax="1")
    await void(client, voided)
    await add_split(client, stock_id, "2024-01-06", 2, 1)
    before = await snapshot(app, portfolio_id)
    assert before[0][0].quantity == 140  # (100 − 30) × 2
    assert before[1] == Decimal("10000") - 1001 + 358 + 14
    events = await published_events(app)
    assert [type(e).__name__ for e in events].count("TransactionRecorded") == 5
    assert [type(e).__name__ for e in events].count("TransactionVoided") == 1
    assert [type(e).__name__ for e in events].count("StockSplitRecorded") == 1

    projector = projector_of(app)
    recorded = next(e for e in events if isinstance(e, TransactionRecorded))
    await projector.apply([recorded])  # the same TransactionRecorded, delivered again
    await projector.apply([recorded])
    assert await snapshot(app, portfolio_id) == before
    for each in events:  # every event again, one by one ...
        await projector.apply([each])
    await projector.apply(events + events[::-1])  # ... and all at once, twice over
    assert await snapshot(app, portfolio_id) == before

    # The same facts in new events (new event ids: the inbox does not know them)
    # change nothing either: the projection keeps each transaction and split once.
    refreshed: list[IntegrationEvent] = [dataclasses.replace(e, event_id=uuid4()) for e in events]
    await projector.apply(refreshed)
    for each in refreshed[::-1]:
        await projector.apply([dataclasses.replace(each, event_id=uuid4())])
    assert await snapshot(app, portfolio_id) == before
    assert await differences(app, portfolio_id) == []
    report = await get_holdings(client, portfolio_id)
    assert report["totals"]["cash_balance"] == "9371.00"


# --- any delivery order ------------------------------------------------------------

MOMENT = datetime(2024, 2, 1, 12, tzinfo=UTC)


def history_events(portfolio_id: UUID, stock_id: UUID) -> list[IntegrationEvent]:
    """A history in the order it happened: a deposit, three buys (the last one
    voided), a 2-for-1 split, a sell (after the split, in post-split units) and a
    taxed dividend."""

    def data(kind: str, day: str, **figures: str) -> TransactionData:
        stock = None if kind == "DEPOSIT" else stock_id
        return transaction_data(
            portfolio_id,
            kind,
            stock,
            datetime.fromisoformat(f"2024-01-{day}+00:00"),
            MOMENT,
            **figures,
        )

    voided = data("BUY", "03T16:00:00", quantity="30", price="11")
    split = StockSplitRecorded(
        stock_id=stock_id,
        split_id=uuid4(),
        effective_date=date(2024, 1, 4),
        numerator=2,
        denominator=1,
    )
    return [
        TransactionRecorded(transaction=data("DEPOSIT", "01T10:00:00", amount="5000")),
        TransactionRecorded(
            transaction=data("BUY", "02T15:00:00", quantity="100", price="10", fee="1")
        ),
        TransactionRecorded(transaction=data("BUY", "03T15:00:00", quantity="50", price="12")),
        TransactionRecorded(transaction=voided),
        TransactionVoided(transaction=dataclasses.replace(voided, voided_at=MOMENT)),
        split,
        TransactionRecorded(
            transaction=data("SELL", "05T15:00:00", quantity="240", price="7", fee="2", tax="1")
        ),
        TransactionRecorded(transaction=data("DIVIDEND", "06T10:00:00", amount="20", tax="2")),
    ]


def expected_figures(stock_id: UUID) -> HoldingFigures:
    # After the split: lot 1 = 200 for 1,001, lot 2 = 100 for 600 (300 for 1,601).
    # The sell of 240 brings 1,680 − 2 − 1 = 1,677.
    # FIFO removes 1,001 + 40 × 6 = 1,241 → realized 436; 60 left for 360.
    # Average removes 1,601 × 240 / 300 = 1,280.80 → realized 396.20; 320.20 left.
    return HoldingFigures(
        stock_id=stock_id,
        quantity=Decimal(60),
        fifo_cost_basis=Decimal(360),
        fifo_realized_gain=Decimal(436),
        average_cost_basis=Decimal("320.2"),
        average_realized_gain=Decimal("396.2"),
        dividends=Decimal(20),
        fees=Decimal(3),
        taxes=Decimal(3),
    )


EXPECTED_CASH = Decimal(5000 - 1001 - 600 + 1677 + 18)


def delivery_plans(events: list[IntegrationEvent]) -> dict[str, list[list[IntegrationEvent]]]:
    """Ways to deliver ``events``, by name: each a list of deliveries (batches)."""
    plans = {
        "in order, one by one": [[e] for e in events],
        "in order, one batch": [events],
        # the void before its record, the split first, the sell before its buys
        "reversed, one by one": [[e] for e in events[::-1]],
        "reversed, one batch": [events[::-1]],
    }
    rng = random.Random(20240101)
    for number in range(3):
        shuffled = events[:]
        rng.shuffle(shuffled)
        redelivered = [[rng.choice(events)] for _ in range(3)]
        plans[f"shuffled {number}, with redeliveries"] = [[e] for e in shuffled] + redelivered
    return plans


PLAN_COUNT = 7


async def test_events_in_any_order_converge(app: FastAPI, client: httpx.AsyncClient) -> None:
    projector = projector_of(app)
    for index in range(PLAN_COUNT):
        portfolio_id = UUID(await create_portfolio(client, f"order {index}"))
        stock_id = uuid4()  # the projection needs no catalog entry
        events = history_events(portfolio_id, stock_id)
        plans = delivery_plans(events)
        assert len(plans) == PLAN_COUNT
        name, plan = list(plans.items())[index]
        for delivery in plan:
            await projector.apply(delivery)
        figures, balance = await snapshot(app, portfolio_id)
        assert figures == [expected_figures(stock_id)], name
        assert balance == EXPECTED_CASH, name


async def test_a_sell_before_its_buy_is_only_temporarily_short(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = UUID(await create_portfolio(client))
    stock_id = uuid4()
    buy = transaction_data(
        portfolio_id,
        "BUY",
        stock_id,
        datetime.fromisoformat("2024-01-02T15:00:00Z"),
        MOMENT,
        quantity="10",
        price="5",
    )
    sell = transaction_data(
        portfolio_id,
        "SELL",
        stock_id,
        datetime.fromisoformat("2024-01-03T15:00:00Z"),
        MOMENT,
        quantity="4",
        price="6",
    )
    projector = projector_of(app)
    await projector.apply([TransactionRecorded(transaction=sell)])
    (short,), balance = await snapshot(app, portfolio_id)
    assert short.quantity == -4  # eventually consistent: the buy has not arrived yet
    assert balance == 24
    await projector.apply([TransactionRecorded(transaction=buy)])
    (figures,), balance = await snapshot(app, portfolio_id)
    assert figures.quantity == 6
    # the buy covers the 4 sold: their cost (20) is realized against the proceeds (24)
    assert figures.fifo_cost_basis == figures.average_cost_basis == 30
    assert figures.fifo_realized_gain == figures.average_realized_gain == 4
    assert balance == -26


async def test_events_for_a_deleted_portfolio_are_ignored(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = await create_portfolio(client)
    response = await client.delete(f"{PORTFOLIOS}/{portfolio_id}")
    assert response.status_code == 204, response.text
    deposit = transaction_data(
        UUID(portfolio_id),
        "DEPOSIT",
        None,
        datetime.fromisoformat("2024-01-01T10:00:00+00:00"),
        MOMENT,
        amount="10",
    )
    late = TransactionRecorded(transaction=deposit)
    await projector_of(app).apply([late])
    async with engine_of(app).connect() as connection:
        for table in (source_transactions, holdings, cash_balances):
            rows = await connection.execute(
                select(table).where(table.c.portfolio_id == UUID(portfolio_id))
            )
            assert rows.all() == [], table.name
        claimed = await connection.scalar(
            select(inbox.c.event_id).where(inbox.c.event_id == late.event_id)
        )
    assert claimed == late.event_id  # handled (as nothing), not retried forever


# --- agreement with the book -----------------------------------------------------------


async def test_the_projection_equals_a_replay_after_random_api_histories(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    rng = random.Random(7)
    stock_ids = await new_stocks(client, "RND", 3)
    portfolios = []
    for number in range(2):
        portfolio_id = await create_portfolio(client, f"random {number}")
        await play(client, portfolio_id, stock_ids, random_operations(rng, 40, len(stock_ids)))
        portfolios.append(portfolio_id)
    for portfolio_id in portfolios:
        assert await differences(app, portfolio_id) == []
    # rebuilding from the book gives exactly what was maintained incrementally
    before = [await snapshot(app, portfolio_id) for portfolio_id in portfolios]
    for portfolio_id in portfolios:
        await projector_of(app).rebuild(UUID(portfolio_id), history_of(app))
    assert [await snapshot(app, portfolio_id) for portfolio_id in portfolios] == before


async def test_differences_name_what_is_wrong_and_a_rebuild_repairs_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = await create_portfolio(client)
    first, second, third = [await create_stock(client, symbol) for symbol in ("DA", "DB", "DC")]
    await cash(client, portfolio_id, "DEPOSIT", "1000", "2024-01-01T10:00:00Z")
    for stock_id in (first, second, third):
        await trade(client, portfolio_id, "BUY", stock_id, "3", "10", "2024-01-02T15:00:00Z")
    before = await snapshot(app, portfolio_id)
    assert await differences(app, portfolio_id) == []
    pid = UUID(portfolio_id)
    async with engine_of(app).begin() as connection:
        await connection.execute(
            update(holdings)
            .where(holdings.c.portfolio_id == pid, holdings.c.stock_id == UUID(first))
            .values(quantity=Decimal(4), average_realized_gain=Decimal("0.01"))
        )
        await connection.execute(
            delete(holdings).where(
                holdings.c.portfolio_id == pid, holdings.c.stock_id == UUID(second)
            )
        )
        await connection.execute(
            update(cash_balances)
            .where(cash_balances.c.portfolio_id == pid)
            .values(balance=Decimal("12.34"))
        )
    problems = await differences(app, portfolio_id)
    assert len(problems) == 3, problems
    assert any(first in problem for problem in problems)
    assert any(second in problem and "stored None" in problem for problem in problems)
    assert not any(third in problem for problem in problems)
    assert any(problem.startswith("cash: stored 12.34") for problem in problems)

    await projector_of(app).rebuild(pid, history_of(app))
    assert await differences(app, portfolio_id) == []
    assert await snapshot(app, portfolio_id) == before
    # and the projection keeps following events after a rebuild
    await trade(client, portfolio_id, "SELL", third, "1", "12", "2024-01-03T15:00:00Z")
    assert await differences(app, portfolio_id) == []
    assert (await get_holdings(client, portfolio_id))["totals"]["cash_balance"] == "922.00"


# --- the portfolio context reads only its own tables --------------------------------------


async def test_the_portfolio_context_never_reads_the_transaction_tables(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    portfolio_id = await create_portfolio(client)
    stock_id = await create_stock(client, "OWNT")
    await trade(client, portfolio_id, "BUY", stock_id, "3", "10", "2024-01-02T15:00:00Z")
    await set_prices(client, stock_id, {"2024-01-02": "11"})
    events = await published_events(app)
    projector = projector_of(app)
    with statements_run(engine_of(app)) as seen:
        await get_holdings(client, portfolio_id, include_closed="true")
        await get_allocation(client, portfolio_id, by="sector")
        await get_performance(client, portfolio_id, **{"from": "2024-01-01", "to": "2024-01-05"})
        await projector.apply([dataclasses.replace(e, event_id=uuid4()) for e in events])
    assert seen  # the listener works
    # The outbox relay runs beside the app and polls every context's outbox: those
    # statements are the relay's, not the portfolio context's.
    touched = " ".join(s for s in seen if "_outbox" not in s)
    assert "portfolio_holdings" in touched
    assert "txn_" not in touched
