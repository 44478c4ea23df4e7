"""Immediate deliveries of one outbox that overlap go out together, on SQLite and PostgreSQL.

While one delivery runs, the commits that finish meanwhile queue their events;
the next delivery takes them all as one batch (one call per subscriber, one
outbox update). Each committing call still returns only once its own events
are delivered, and one call's failing event does not hold back the others'.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap.container import RootContainer
from contexts.stock.contracts import StockRegistered
from contexts.stock.domain.stock import Stock, StockDetails
from contexts.stock.infrastructure.tables import outbox
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure.database import commit, write_transaction
from shared_kernel.infrastructure.outbox import IMMEDIATE_DELIVERY_GRACE

CONCURRENT = 6


class SlowRecorder:
    """A subscriber that takes its time, and fails on a batch naming ``poison``.

    ``hold_first`` is awaited in the first call: while it waits, the deliveries
    of the commits that finish meanwhile queue behind it.
    """

    def __init__(
        self,
        poison: str | None = None,
        hold_first: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.poison = poison
        self.hold_first = hold_first
        self.calls: list[list[str]] = []
        self.handled: list[str] = []

    async def __call__(self, events: Sequence[IntegrationEvent]) -> None:
        symbols = [event.symbol for event in events if isinstance(event, StockRegistered)]
        self.calls.append(symbols)
        if self.hold_first is not None and len(self.calls) == 1:
            await self.hold_first()
        await asyncio.sleep(0.05)
        if self.poison in symbols:
            raise RuntimeError(f"cannot handle {self.poison}")
        self.handled += symbols


@pytest.fixture
async def root(container: RootContainer) -> AsyncIterator[RootContainer]:
    yield container
    await container.engine().dispose()


def new_stock(symbol: str) -> Stock:
    return Stock.register(
        symbol, "USD", StockDetails.checked(name=f"{symbol} Inc."), datetime.now(UTC)
    )


async def register(root: RootContainer, recorder: SlowRecorder, symbol: str) -> list[str]:
    """Commit a new stock; return what the subscriber had handled when the commit returned."""
    stock = new_stock(symbol)
    async with root.stock.unit_of_work() as uow:
        await uow.stocks.add(stock)
        uow.collect(stock)
        await uow.commit()
    return list(recorder.handled)


async def outbox_rows(engine: AsyncEngine) -> dict[str, Any]:
    async with engine.connect() as connection:
        rows = (await connection.execute(select(outbox))).all()
    return {symbol_of(row.events): row for row in rows}


def symbol_of(events: str) -> str:
    """The symbols of the stocks an entry registered, joined by "+"."""
    return "+".join(fields["symbol"] for _, fields in json.loads(events))


async def test_overlapping_deliveries_go_out_as_batches(
    root: RootContainer, engine: AsyncEngine
) -> None:
    recorder = SlowRecorder()
    root.bus().subscribe((StockRegistered,), "test.slow-recorder", recorder)
    symbols = [f"BAT{number}" for number in range(CONCURRENT)]

    seen_on_return = await asyncio.gather(*(register(root, recorder, symbol) for symbol in symbols))

    assert sorted(recorder.handled) == symbols
    assert len(recorder.calls) < CONCURRENT  # some calls were served together
    for symbol, seen in zip(symbols, seen_on_return, strict=True):
        assert symbol in seen  # delivered before its commit returned
    rows = await outbox_rows(engine)
    assert all(rows[symbol].delivered_at is not None for symbol in symbols)


async def test_a_failing_event_does_not_hold_back_its_batch(
    root: RootContainer, engine: AsyncEngine
) -> None:
    symbols = ["FIRST", "OK1", "BAD", "OK2"]
    first_delivery_started = asyncio.Event()

    async def until_the_others_committed() -> None:
        first_delivery_started.set()
        for _ in range(500):  # at most 5 s
            if len(await outbox_rows(engine)) == len(symbols):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)  # from each commit to its queued delivery: closing its connection

    recorder = SlowRecorder(poison="BAD", hold_first=until_the_others_committed)
    root.bus().subscribe((StockRegistered,), "test.slow-recorder", recorder)

    first = asyncio.create_task(register(root, recorder, "FIRST"))
    await first_delivery_started.wait()
    await asyncio.gather(first, *(register(root, recorder, symbol) for symbol in symbols[1:]))

    assert sorted(recorder.handled) == ["FIRST", "OK1", "OK2"]
    assert recorder.calls[0] == ["FIRST"]
    assert sorted(recorder.calls[1]) == ["BAD", "OK1", "OK2"]  # batched behind FIRST
    rows = await outbox_rows(engine)
    assert rows["BAD"].delivered_at is None
    assert rows["BAD"].attempts == 1
    assert "cannot handle BAD" in rows["BAD"].last_error
    for symbol in ("FIRST", "OK1", "OK2"):
        assert rows[symbol].delivered_at is not None
        assert rows[symbol].last_error is None


async def test_a_failing_entry_claimed_with_others_does_not_hold_them_back(
    root: RootContainer, engine: AsyncEngine
) -> None:
    """The relay's claim takes several entries; one that fails waits alone for its retry."""
    outbox = root.stock.outbox()
    written = datetime.now(UTC) - 2 * IMMEDIATE_DELIVERY_GRACE  # left by a process that died
    for symbols in (["OK1"], ["BAD"], ["OK2", "OK3"]):
        async with write_transaction(engine) as connection:
            events = [event for s in symbols for event in new_stock(s).pull_events()]
            await outbox.add(connection, events, written)
            await commit(connection)
    recorder = SlowRecorder(poison="BAD")
    root.bus().subscribe((StockRegistered,), "test.slow-recorder", recorder)
    relay = root.relay()
    assert await relay.backlog() == 4  # events, not entries

    assert await relay.deliver_due() == 4
    assert sorted(recorder.calls[0]) == ["BAD", "OK1", "OK2", "OK3"]  # claimed together
    assert sorted(recorder.handled) == ["OK1", "OK2", "OK3"]
    rows = await outbox_rows(engine)
    assert rows["BAD"].delivered_at is None
    assert "cannot handle BAD" in rows["BAD"].last_error
    assert rows["OK1"].delivered_at is not None
    assert rows["OK2+OK3"].delivered_at is not None
    assert await relay.backlog() == 1
