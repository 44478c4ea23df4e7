"""The transactional outbox, its relay and the inbox, on SQLite and PostgreSQL.

(a) an event is stored in the same transaction as the change it describes;
(b) a failing subscriber does not fail the request, and the relay retries it;
(c) an event committed but never dispatched is delivered by the next app;
(d) a duplicate delivery is skipped by the subscriber's inbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap.app import create_app
from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from contexts.stock.contracts import StockRegistered
from contexts.stock.domain.stock import Stock, StockDetails
from contexts.stock.infrastructure.tables import inbox, outbox, stocks
from contexts.stock.infrastructure.unit_of_work import SqlStockUnitOfWork
from shared_kernel.application.clock import SystemClock
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure.event_bus import InProcessEventBus
from shared_kernel.infrastructure.outbox import OutboxEntry, OutboxRelay


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait for something another task does; fail after 10 s (not a timing assertion)."""
    deadline = asyncio.get_running_loop().time() + 10
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        await asyncio.sleep(0.02)


def new_stock(symbol: str = "AAPL") -> Stock:
    return Stock.register(
        symbol, "USD", StockDetails.checked(name=f"{symbol} Inc."), datetime.now(UTC)
    )


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def only_entry(engine: AsyncEngine) -> Any:
    """The outbox's one row: the tests below commit one unit of work each."""
    async with engine.connect() as connection:
        return (await connection.execute(select(outbox))).one()


class ShiftedClock:
    """The system clock moved by ``offset``: makes back-off delays due at once."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class Recorder:
    """A subscriber that records what it was given, and fails while ``failing``."""

    def __init__(self, failing: bool = False) -> None:
        self.failing = failing
        self.attempts: list[IntegrationEvent] = []
        self.handled: list[IntegrationEvent] = []

    async def __call__(self, events: Sequence[IntegrationEvent]) -> None:
        self.attempts += events
        if self.failing:
            raise RuntimeError("projection store is down")
        self.handled += events


@pytest.fixture
async def root(container: RootContainer) -> AsyncIterator[RootContainer]:
    """The composed containers on the test database, without an app (no relay loop)."""
    yield container
    await container.engine().dispose()


@pytest.fixture
def stock_context(root: RootContainer) -> Any:
    return root.stock


# --- (a) same transaction -------------------------------------------------


async def test_without_commit_neither_the_change_nor_its_event_is_stored(
    stock_context: Any, engine: AsyncEngine
) -> None:
    async with stock_context.unit_of_work() as uow:
        stock = new_stock()
        await uow.stocks.add(stock)
        uow.collect(stock)
        # leaves without commit
    assert (await count(engine, stocks), await count(engine, outbox)) == (0, 0)


async def test_an_error_before_commit_stores_neither(
    stock_context: Any, engine: AsyncEngine
) -> None:
    async def crash_before_commit() -> None:
        async with stock_context.unit_of_work() as uow:
            stock = new_stock()
            await uow.stocks.add(stock)
            uow.collect(stock)
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError, match="crash"):
        await crash_before_commit()
    assert (await count(engine, stocks), await count(engine, outbox)) == (0, 0)


async def test_a_failing_outbox_write_rolls_the_change_back(
    stock_context: Any, engine: AsyncEngine
) -> None:
    @dataclass(frozen=True, kw_only=True, slots=True)
    class Unregistered(IntegrationEvent):
        pass

    async def commit_a_broken_outbox_write() -> None:
        async with stock_context.unit_of_work() as uow:
            stock = new_stock()
            await uow.stocks.add(stock)
            uow.collect(stock)
            uow.publish(Unregistered())  # the codec cannot write it: the outbox write fails
            await uow.commit()

    with pytest.raises(KeyError, match="Unregistered is not registered"):
        await commit_a_broken_outbox_write()
    assert (await count(engine, stocks), await count(engine, outbox)) == (0, 0)


async def test_after_commit_both_are_stored(
    root: RootContainer, stock_context: Any, engine: AsyncEngine
) -> None:
    stock = new_stock()
    async with stock_context.unit_of_work() as uow:
        await uow.stocks.add(stock)
        uow.collect(stock)
        await uow.commit()
    assert await count(engine, stocks) == 1
    row = await only_entry(engine)
    (event,) = root.codec().decode(row.events)
    assert isinstance(event, StockRegistered)
    assert (event.stock_id, event.symbol) == (stock.id, "AAPL")
    assert row.event_count == 1
    assert row.written_at >= event.occurred_at
    # nobody subscribed, so the immediate delivery marked it delivered
    assert row.delivered_at is not None
    assert row.attempts == 1


# --- (b) a failing subscriber -----------------------------------------------


async def test_a_failing_subscriber_does_not_fail_the_request_and_is_retried(
    app: FastAPI, client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    container: RootContainer = app.state.container
    subscriber = Recorder(failing=True)
    container.bus().subscribe((StockRegistered,), "test.failing-projection", subscriber)

    response = await client.post("/api/v1/stocks", json={"symbol": "AAPL", "name": "Apple"})
    assert response.status_code == 201, response.text
    assert (await client.get(response.headers["location"])).status_code == 200
    (event,) = subscriber.attempts
    assert isinstance(event, StockRegistered)
    assert str(event.stock_id) == response.json()["id"]
    assert subscriber.handled == []

    row = await only_entry(engine)
    assert row.delivered_at is None
    assert row.attempts >= 1
    assert "test.failing-projection: RuntimeError: projection store is down" in row.last_error
    assert row.next_attempt_at > row.written_at  # backed off, not retried at once
    ready = (await client.get("/health/ready")).json()
    assert ready["outbox_backlog"] >= 1

    # Keep the app's own relay loop away from the row, then retry it with a relay
    # whose clock is past the back-off.
    async with engine.begin() as connection:
        await connection.execute(
            update(outbox)
            .where(outbox.c.entry_id == row.entry_id)
            .values(next_attempt_at=datetime.now(UTC) + timedelta(days=1))
        )
    subscriber.failing = False
    relay = OutboxRelay(
        engine=container.engine(),
        bus=container.bus(),
        outboxes=[container.stock.outbox()],
        clock=ShiftedClock(timedelta(days=2)),
    )
    assert await relay.deliver_due() == 1
    assert subscriber.handled == [event]
    row = await only_entry(engine)
    assert row.delivered_at is not None
    assert row.last_error is None
    assert await relay.deliver_due() == 0  # delivered is delivered
    assert subscriber.handled == [event]


# --- (c) a crash between commit and delivery --------------------------------


class NoDelivery(OutboxRelay):
    """A relay whose immediate delivery never happens: the process "died" after commit."""

    async def deliver(self, outbox: Any, entries: Sequence[OutboxEntry]) -> None:
        return None


async def test_an_undispatched_event_is_delivered_by_the_next_app(
    stock_context: Any, settings: Settings, engine: AsyncEngine
) -> None:
    dying_relay = NoDelivery(engine, InProcessEventBus(), [], SystemClock())
    uow = SqlStockUnitOfWork(
        engine=engine, outbox=stock_context.outbox(), relay=dying_relay, clock=SystemClock()
    )
    stock = new_stock("ORPH")
    async with uow:
        await uow.stocks.add(stock)
        uow.collect(stock)
        await uow.commit()
    row = await only_entry(engine)
    assert (row.delivered_at, row.attempts) == (None, 0)
    async with engine.begin() as connection:  # past the grace left to the committing request
        await connection.execute(
            update(outbox).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    container = RootContainer(settings=settings)
    subscriber = Recorder()
    app = create_app(settings, container)
    container.bus().subscribe((StockRegistered,), "test.late-reader", subscriber)
    async with app.router.lifespan_context(app):
        await container.relay().deliver_due()

        async def delivered() -> bool:
            return (await only_entry(engine)).delivered_at is not None

        await wait_until(delivered, "the new app's relay delivered the event")
    (event,) = subscriber.handled
    assert isinstance(event, StockRegistered)
    assert [event] == container.codec().decode(row.events)
    assert (event.stock_id, event.symbol) == (stock.id, "ORPH")
    assert subscriber.attempts == [event]  # once, although two relays were looking


# --- (d) duplicate delivery -------------------------------------------------


def inbox_subscriber(
    stock_context: Any, name: str, effects: list[Any], fail_after_claim: list[bool]
) -> Callable[[Sequence[IntegrationEvent]], Awaitable[None]]:
    """A subscriber written in the recommended pattern: claim, apply, commit, in one
    unit of work. ``effects`` records what it applied, once its commit succeeded."""

    async def handle(events: Sequence[IntegrationEvent]) -> None:
        async with stock_context.unit_of_work() as uow:
            fresh = await uow.claim_events([event.event_id for event in events], name)
            unique = dict.fromkeys(event.event_id for event in events)
            applied = [event_id for event_id in unique if event_id in fresh]
            if not applied:
                return
            if fail_after_claim and fail_after_claim.pop():
                raise RuntimeError("effect failed")
            await uow.commit()
        effects.extend(applied)

    return handle


async def test_a_duplicate_delivery_is_applied_once(
    root: RootContainer, stock_context: Any, engine: AsyncEngine
) -> None:
    effects: list[Any] = []
    handler = inbox_subscriber(stock_context, "test.inbox-reader", effects, [])
    root.bus().subscribe((StockRegistered,), "test.inbox-reader", handler)

    stock = new_stock()
    async with stock_context.unit_of_work() as uow:
        await uow.stocks.add(stock)
        uow.collect(stock)
        await uow.commit()  # first delivery, right after the commit
    row = await only_entry(engine)
    (event,) = root.codec().decode(row.events)
    assert effects == [event.event_id]

    assert await root.bus().dispatch([event]) == {}  # the same event again
    entry = OutboxEntry(row.entry_id, (event,))
    await root.relay().deliver(stock_context.outbox(), [entry, entry])  # and twice more
    assert effects == [event.event_id]
    async with engine.connect() as connection:
        claims = (await connection.execute(select(inbox))).all()
    assert [(c.event_id, c.subscriber) for c in claims] == [(event.event_id, "test.inbox-reader")]


async def test_a_failed_effect_releases_the_claim_for_the_retry(
    root: RootContainer, stock_context: Any, engine: AsyncEngine
) -> None:
    effects: list[Any] = []
    fail_once = [True]
    root.bus().subscribe(
        (StockRegistered,),
        "test.flaky-reader",
        inbox_subscriber(stock_context, "test.flaky-reader", effects, fail_once),
    )
    stock = new_stock()
    async with stock_context.unit_of_work() as uow:
        await uow.stocks.add(stock)
        uow.collect(stock)
        await uow.commit()
    assert effects == []
    assert await count(engine, inbox) == 0  # the claim was rolled back with the effect
    row = await only_entry(engine)
    assert row.delivered_at is None
    (event,) = root.codec().decode(row.events)
    await root.relay().deliver(stock_context.outbox(), [OutboxEntry(row.entry_id, (event,))])
    assert effects == [event.event_id]
    assert (await only_entry(engine)).delivered_at is not None
