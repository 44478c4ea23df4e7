"""The holdings projector adds a transaction that extends a position to its stored
holding, and replays the position where only a replay can tell: either way the
stored figures are exactly (digit for digit) what a full replay gives, on SQLite
and PostgreSQL."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from contexts.portfolio.application.ports import HoldingFigures
from contexts.portfolio.application.projection import position_entry
from contexts.portfolio.domain.position import SplitEntry, replay_position
from contexts.stock.contracts import StockSplitRecorded
from contexts.transaction.contracts import TransactionData, TransactionRecorded, TransactionVoided
from shared_kernel.domain.events import IntegrationEvent
from tests.api.portfolio_analytics.analytics_api import create_portfolio, projector_of
from tests.integration.portfolio_projection.test_projector import engine_of, reader_of
from tests.integration.portfolio_projection.transactions import transaction_data
from tests.sql_log import statements_run

START = datetime(2024, 1, 2, 15, tzinfo=UTC)


def expected(
    stock_id: UUID, live: list[TransactionData], splits: list[StockSplitRecorded]
) -> HoldingFigures | None:
    entries = [entry for data in live if (entry := position_entry(data)) is not None]
    if not entries:
        return None
    state = replay_position(
        entries, [SplitEntry(s.effective_date, s.numerator, s.denominator) for s in splits]
    )
    return HoldingFigures(
        stock_id=stock_id,
        quantity=state.quantity,
        fifo_cost_basis=state.fifo_cost_basis,
        fifo_realized_gain=state.fifo_realized_gain,
        average_cost_basis=state.average_cost_basis,
        average_realized_gain=state.average_realized_gain,
        dividends=state.dividends,
        fees=state.fees,
        taxes=state.taxes,
    )


def digits(figures: HoldingFigures | None) -> dict[str, str] | None:
    """The figures as text: a figure equal in value but not in digits would show in the API."""
    if figures is None:
        return None
    return {field.name: str(getattr(figures, field.name)) for field in dataclasses.fields(figures)}


def random_events(
    rng: random.Random, portfolio_id: UUID, stock_id: UUID, count: int
) -> list[IntegrationEvent]:
    """Mostly buys in recording order (which extend the holding), with sales of odd
    fractions, dividends, fees, voids, back-dated entries, ties and splits."""
    events: list[IntegrationEvent] = []
    recorded: list[TransactionData] = []
    moment = START
    for number in range(count):
        recorded_at = START + timedelta(seconds=number)
        roll = rng.random()
        if roll < 0.05 and recorded:
            victim = rng.choice(recorded)
            events.append(
                TransactionVoided(transaction=dataclasses.replace(victim, voided_at=recorded_at))
            )
            continue
        if roll < 0.1:
            events.append(
                StockSplitRecorded(
                    stock_id=stock_id,
                    split_id=uuid4(),
                    effective_date=(moment + timedelta(days=rng.choice([-3, 1, 2]))).date(),
                    numerator=rng.choice([2, 3, 1]),
                    denominator=rng.choice([1, 3]),
                )
            )
            continue
        # mostly later or at the same instant; sometimes back-dated
        moment += timedelta(hours=rng.choice([0, 0, 5, 30, -50]))
        price = f"{rng.randint(100, 9999) / 100:.2f}"
        if roll < 0.6:
            data = transaction_data(
                portfolio_id,
                "BUY",
                stock_id,
                moment,
                recorded_at,
                quantity=str(rng.randint(1, 30)),
                price=price,
                fee=rng.choice(["0", "1.00", "0.35"]),
                tax=rng.choice(["0", "0.12"]),
            )
        elif roll < 0.8:
            data = transaction_data(
                portfolio_id,
                "SELL",
                stock_id,
                moment,
                recorded_at,
                quantity=rng.choice(["1", "7", "0.5", "3"]),
                price=price,
                fee="1.00",
                tax=rng.choice(["0", "0.07"]),
            )
        elif roll < 0.9:
            data = transaction_data(
                portfolio_id, "DIVIDEND", stock_id, moment, recorded_at, amount="3.33", tax="0.5"
            )
        else:
            data = transaction_data(
                portfolio_id, "FEE", stock_id, moment, recorded_at, amount="2.5"
            )
        recorded.append(data)
        events.append(TransactionRecorded(transaction=data))
    return events


@pytest.mark.parametrize("with_sales", [True, False], ids=["with sales", "without sales"])
async def test_every_delivery_leaves_exactly_what_a_replay_gives(
    app: FastAPI, client: httpx.AsyncClient, with_sales: bool
) -> None:
    """Without sales, out-of-order deliveries take the path that adds a back-dated
    entry to the stored figures; with sales, they replay."""
    projector = projector_of(app)
    reader = reader_of(app)
    for seed in range(4):
        rng = random.Random(seed)
        portfolio_id = UUID(await create_portfolio(client, f"extension {seed}"))
        stock_id = uuid4()
        events = random_events(rng, portfolio_id, stock_id, 45)
        if not with_sales:
            events = [
                event
                for event in events
                if not (
                    isinstance(event, TransactionRecorded | TransactionVoided)
                    and event.transaction.type == "SELL"
                )
            ]
        if seed % 2:  # deliveries out of order, some together
            rng.shuffle(events)
        live: dict[UUID, TransactionData] = {}
        voided: set[UUID] = set()
        splits: list[StockSplitRecorded] = []
        position = 0
        while position < len(events):
            delivery = events[position : position + rng.choice([1, 1, 1, 3])]
            position += len(delivery)
            await projector.apply(delivery)
            for event in delivery:
                if isinstance(event, StockSplitRecorded):
                    splits.append(event)
                elif isinstance(event, TransactionVoided):
                    voided.add(event.transaction.transaction_id)
                elif isinstance(event, TransactionRecorded):
                    live[event.transaction.transaction_id] = event.transaction
            want = expected(stock_id, [d for i, d in live.items() if i not in voided], splits)
            stored = await reader.holdings(portfolio_id)
            assert digits(stored[0] if stored else None) == digits(want), (seed, position)


async def test_a_buy_that_extends_the_position_is_added_without_reading_its_history(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    projector = projector_of(app)
    portfolio_id = UUID(await create_portfolio(client))
    stock_id = uuid4()
    history = [
        transaction_data(
            portfolio_id,
            "BUY",
            stock_id,
            START + timedelta(days=day),
            START + timedelta(days=day),
            quantity="10",
            price="12.5",
        )
        for day in range(5)
    ]
    await projector.apply([TransactionRecorded(transaction=data) for data in history])
    later = START + timedelta(days=9)
    buy = transaction_data(portfolio_id, "BUY", stock_id, later, later, quantity="3", price="10.10")
    with statements_run(engine_of(app)) as seen:
        await projector.apply([TransactionRecorded(transaction=buy)])
    assert history_reads(seen) == []
    (figures,) = await reader_of(app).holdings(portfolio_id)
    assert digits(figures) == digits(expected(stock_id, [*history, buy], []))


def history_reads(seen: list[str]) -> list[str]:
    """The statements that read a position's copied transactions in full."""
    return [s for s in seen if s.lstrip().upper().startswith("SELECT") and ".quantity" in s]


async def test_a_back_dated_buy_is_added_while_the_position_has_no_sale(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Concurrent requests commit in any order. Without a sale, a buy that comes
    before buys already added changes only sums; once the position has a sale,
    the sale's lots and average depend on what came before it: replayed."""
    projector = projector_of(app)
    portfolio_id = UUID(await create_portfolio(client))
    stock_id = uuid4()

    def at(day: int, kind: str = "BUY", quantity: str = "10") -> TransactionData:
        moment = START + timedelta(days=day)
        return transaction_data(
            portfolio_id, kind, stock_id, moment, moment, quantity=quantity, price=f"1{day}.25"
        )

    history = [at(0), at(2), at(6), at(8)]
    await projector.apply([TransactionRecorded(transaction=data) for data in history])

    # back-dated, no sale yet: added; a sale: replayed; back-dated after a sale: replayed
    for data, replayed in ((at(5), False), (at(9, "SELL", "5"), True), (at(3, "BUY", "7"), True)):
        with statements_run(engine_of(app)) as seen:
            await projector.apply([TransactionRecorded(transaction=data)])
        history.append(data)
        (figures,) = await reader_of(app).holdings(portfolio_id)
        assert digits(figures) == digits(expected(stock_id, history, []))
        assert (history_reads(seen) != []) is replayed, data


def test_random_histories_include_what_forces_a_replay() -> None:
    """The random histories above exercise both ways, not only extensions."""
    events = random_events(random.Random(0), uuid4(), uuid4(), 45)
    kinds = {type(event).__name__ for event in events}
    assert {"TransactionRecorded", "TransactionVoided", "StockSplitRecorded"} <= kinds
    recorded = [e.transaction for e in events if isinstance(e, TransactionRecorded)]
    assert {"BUY", "SELL", "DIVIDEND", "FEE"} <= {data.type for data in recorded}


async def test_a_split_delivered_with_a_buy_that_extends_the_position_is_applied(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The stored holding predates the split: the buy may not simply be added to it."""
    projector = projector_of(app)
    portfolio_id = UUID(await create_portfolio(client))
    stock_id = uuid4()
    first = transaction_data(portfolio_id, "BUY", stock_id, START, START, quantity="10", price="8")
    await projector.apply([TransactionRecorded(transaction=first)])
    later = START + timedelta(days=4)
    buy = transaction_data(portfolio_id, "BUY", stock_id, later, later, quantity="3", price="5")
    split = StockSplitRecorded(
        stock_id=stock_id,
        split_id=uuid4(),
        effective_date=(START + timedelta(days=2)).date(),
        numerator=2,
        denominator=1,
    )

    await projector.apply([split, TransactionRecorded(transaction=buy)])

    (figures,) = await reader_of(app).holdings(portfolio_id)
    assert figures.quantity == 23  # 10 × 2 + 3
    assert digits(figures) == digits(expected(stock_id, [first, buy], [split]))
