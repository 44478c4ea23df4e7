"""A starting relay delivers at once what an earlier process committed and never
delivered, without taking from live requests what their grace leaves them
(on SQLite and PostgreSQL, in process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap.container import RootContainer
from contexts.stock.contracts import StockRegistered
from contexts.stock.infrastructure.tables import outbox as outbox_table
from shared_kernel.application.clock import SystemClock
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure.database import commit, write_transaction
from shared_kernel.infrastructure.event_bus import InProcessEventBus
from shared_kernel.infrastructure.outbox import (
    CLAIM_LEASE,
    IMMEDIATE_DELIVERY_GRACE,
    Outbox,
    OutboxEntry,
    OutboxRelay,
)

SECOND = timedelta(seconds=1)


@pytest.fixture
async def outbox(container: RootContainer) -> AsyncIterator[Outbox]:
    yield container.stock.outbox()
    await container.engine().dispose()


async def committed_at(
    engine: AsyncEngine, outbox: Outbox, written_at: datetime, events: int = 1
) -> OutboxEntry:
    """The entry of ``events`` events committed to the outbox at ``written_at`` and never
    delivered."""
    registered = [
        StockRegistered(
            stock_id=uuid4(),
            symbol="ORPH",
            name="Orphan",
            currency="USD",
            sector=None,
            industry_group=None,
        )
        for _ in range(events)
    ]
    async with write_transaction(engine) as connection:
        entry = await outbox.add(connection, registered, written_at)
        await commit(connection)
    return entry


async def outbox_row(engine: AsyncEngine) -> Any:
    async with engine.connect() as connection:
        query = select(outbox_table.c.delivered_at, outbox_table.c.attempts)
        return (await connection.execute(query)).one()


async def claimed(
    engine: AsyncEngine, outbox: Outbox, now: datetime, written_before: datetime | None
) -> list[UUID]:
    entries = await outbox.claim_due(engine, now, 100, written_before=written_before)
    return [entry.entry_id for entry in entries]


async def test_rows_written_before_the_relay_started_are_due_at_once(
    engine: AsyncEngine, outbox: Outbox
) -> None:
    now = datetime.now(UTC)
    started = now - 2 * SECOND
    orphan = await committed_at(engine, outbox, started - SECOND)
    live = await committed_at(engine, outbox, started + SECOND)  # this process's own request
    assert await claimed(engine, outbox, now, written_before=None) == []  # both in their grace
    assert await claimed(engine, outbox, now, written_before=started) == [orphan.entry_id]
    assert await claimed(engine, outbox, now, written_before=started) == []  # leased now
    assert await claimed(engine, outbox, now + IMMEDIATE_DELIVERY_GRACE, None) == [live.entry_id]


async def test_a_claim_holds_up_to_its_events_or_one_larger_entry(
    engine: AsyncEngine, outbox: Outbox
) -> None:
    now = datetime.now(UTC)
    written = now - 2 * IMMEDIATE_DELIVERY_GRACE
    small, other, large = [
        await committed_at(engine, outbox, written + index * SECOND, events)
        for index, events in enumerate((2, 2, 5))
    ]

    async def claim() -> list[tuple[UUID, int]]:
        entries = await outbox.claim_due(engine, now, 3)
        return [(entry.entry_id, len(entry.events)) for entry in entries]

    assert await claim() == [(small.entry_id, 2)]  # 2 + 2 events would be more than 3
    assert await claim() == [(other.entry_id, 2)]
    assert await claim() == [(large.entry_id, 5)]  # alone, though it holds more
    assert await claim() == []
    later = now + CLAIM_LEASE  # the leases ran out: due again, and 2 + 2 events fit in 4
    assert [entry.events for entry in await outbox.claim_due(engine, later, 4)] == [
        small.events,
        other.events,
    ]


async def test_a_row_in_back_off_keeps_its_schedule(engine: AsyncEngine, outbox: Outbox) -> None:
    now = datetime.now(UTC)
    failed = await committed_at(engine, outbox, now - 3 * SECOND)
    await outbox.mark_failed(engine, failed.entry_id, "subscriber down", now - SECOND)  # in 2 s
    assert await claimed(engine, outbox, now, written_before=now) == []
    async with engine.begin() as connection:
        attempts = await connection.scalar(
            select(outbox_table.c.attempts).where(outbox_table.c.entry_id == failed.entry_id)
        )
    assert attempts == 1


async def test_a_starting_relay_delivers_an_orphan_without_waiting_out_the_grace(
    engine: AsyncEngine, outbox: Outbox
) -> None:
    orphan = await committed_at(engine, outbox, datetime.now(UTC) - SECOND)
    delivered: list[UUID] = []
    arrived = asyncio.Event()

    async def subscriber(events: Sequence[IntegrationEvent]) -> None:
        delivered.extend(event.event_id for event in events)
        arrived.set()

    bus = InProcessEventBus()
    bus.subscribe((StockRegistered,), "test.recovery", subscriber)
    relay = OutboxRelay(engine, bus, [outbox], SystemClock())
    stopping = asyncio.Event()
    task = asyncio.create_task(relay.run(stopping))
    try:
        async with asyncio.timeout(IMMEDIATE_DELIVERY_GRACE.total_seconds() / 2):
            await arrived.wait()
            while True:  # marked delivered right after the dispatch
                if (await outbox_row(engine)).delivered_at is not None:
                    break
                await asyncio.sleep(0.02)
    finally:
        stopping.set()
        await asyncio.wait_for(task, timeout=10)  # the pass under way, then it returns
    assert delivered == [event.event_id for event in orphan.events]
    assert (await outbox_row(engine)).attempts == 1


class SteppingClock:
    """Each reading ten minutes after the last: by the next claim, any back-off has run out."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += 10 * 60 * SECOND
        return self._now


async def test_a_pass_tries_each_entry_once_however_long_it_runs(
    engine: AsyncEngine, outbox: Outbox
) -> None:
    now = datetime.now(UTC)
    failing, *healthy = [
        await committed_at(engine, outbox, now - 60 * SECOND + index * SECOND) for index in range(3)
    ]
    (doomed,) = failing.events
    attempts: list[UUID] = []

    async def subscriber(events: Sequence[IntegrationEvent]) -> None:
        attempts.extend(event.event_id for event in events)
        if doomed in events:
            raise RuntimeError("cannot apply it")

    bus = InProcessEventBus()
    bus.subscribe((StockRegistered,), "test.recovery", subscriber)
    # one entry a claim: each claim comes long after the one before
    relay = OutboxRelay(engine, bus, [outbox], SteppingClock(now), events_per_claim=1)

    assert await asyncio.wait_for(relay.deliver_due(), timeout=30) == 3  # events tried
    assert attempts == [doomed.event_id, *(event.event_id for e in healthy for event in e.events)]
    assert await asyncio.wait_for(relay.deliver_due(), timeout=30) == 1  # the next pass
    assert attempts.count(doomed.event_id) == 2
