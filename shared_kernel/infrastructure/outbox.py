"""Transactional outbox and the relay that delivers it.

A unit of work writes its events to its context's outbox table in the same
transaction as the state change, as one row: an entry. Right after the commit
it hands the entry to the relay, which dispatches its events on the in-process
bus and marks the entry delivered. An entry is delivered whole or not at all:
when a subscriber fails on one of its events, the entry waits for a retry (the
subscribers that succeeded skip the retry through their inbox). Whatever is
left undelivered (a subscriber failed, or the process died between commit and
delivery) is claimed later by the relay's polling loop: rows are leased with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several processes can poll side
by side without delivering the same entry at the same time.

A fresh row is left to its committing request for ``IMMEDIATE_DELIVERY_GRACE``.
A relay that starts does not wait out that grace for rows written before its
process started: their request may have died with its process (a crash between
commit and delivery), so they are due at once. Should such a row belong to a
sibling process that is alive and delivering it right now, it is delivered
twice, which the subscribers' inboxes make harmless (and a lease that another
relay took long ago may be taken up to the grace before it ends).

One row per commit rather than per event: a 100,000-row import wrote and then
rewrote 100,000 outbox rows, a fifth of its time (benchmarks/README.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared_kernel.application.clock import Clock
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.domain.ids import new_id
from shared_kernel.infrastructure.compiled_statements import CompiledWrite
from shared_kernel.infrastructure.database import commit, one_statement_write, write_transaction
from shared_kernel.infrastructure.event_bus import InProcessEventBus
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.value_lists import in_value_list

logger = logging.getLogger(__name__)

IMMEDIATE_DELIVERY_GRACE = timedelta(seconds=10)
"""How long the relay leaves a fresh event to the committing request."""
CLAIM_LEASE = timedelta(seconds=60)
"""How long a claimed event is left to its claimer before others may retry it."""
MAX_BACKOFF_SECONDS = 300
DELIVERED_RETENTION = timedelta(days=7)
PURGE_INTERVAL = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """Exponential back-off after ``attempts`` failed deliveries, capped."""
    return timedelta(seconds=min(2 ** max(attempts, 0), MAX_BACKOFF_SECONDS))


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """The events one unit of work committed, as one outbox row."""

    entry_id: UUID
    events: tuple[IntegrationEvent, ...]


class Outbox:
    """One context's outbox table."""

    def __init__(self, table: Table, codec: EventCodec) -> None:
        self.table = table
        self._codec = codec
        self._insert = CompiledWrite.insert_into(table)
        self._lease = (
            update(table)
            .where(in_value_list(table.c.entry_id, "entry_ids"))
            .values(next_attempt_at=bindparam("until"))
        )
        self._events_of = select(table.c.entry_id, table.c.events).where(
            in_value_list(table.c.entry_id, "entry_ids")
        )
        # Run after every delivery: compiled once, run on the driver.
        self._mark_delivered = CompiledWrite(
            update(table)
            .where(in_value_list(table.c.entry_id, "entry_ids"))
            .values(
                delivered_at=bindparam("delivered_at"),
                attempts=table.c.attempts + 1,
                last_error=None,
            )
        )

    async def add(
        self,
        connection: AsyncConnection,
        events: Sequence[IntegrationEvent],
        now: datetime,
    ) -> OutboxEntry:
        """Write ``events`` (at least one) as one entry, in ``connection``'s transaction."""
        entry = OutboxEntry(new_id(), tuple(events))
        await self._insert.execute(
            connection,
            {
                "entry_id": entry.entry_id,
                "events": self._codec.encode(entry.events),
                "event_count": len(entry.events),
                "written_at": now,
                "attempts": 0,
                "next_attempt_at": now + IMMEDIATE_DELIVERY_GRACE,
                "delivered_at": None,
                "last_error": None,
            },
        )
        return entry

    async def claim_due(
        self,
        engine: AsyncEngine,
        now: datetime,
        max_events: int,
        *,
        written_before: datetime | None = None,
        due_by: datetime | None = None,
    ) -> list[OutboxEntry]:
        """Lease due entries, oldest first, and return them.

        They hold up to ``max_events`` events together; an entry that holds
        more is leased alone. (An import's entry holds a hundred thousand: a
        hundred of them, decoded at once, would not fit in memory.)

        An entry is due when its next attempt is, by ``due_by`` (``now`` unless
        given); with ``written_before``, an entry never attempted and written
        before then is due too, its grace notwithstanding. The lease runs from
        ``now``.
        """
        t = self.table
        due = t.c.next_attempt_at <= (now if due_by is None else due_by)
        if written_before is not None and written_before + IMMEDIATE_DELIVERY_GRACE > now:
            # next_attempt_at of an entry never attempted is its write time + the grace,
            # unless a relay leased it meanwhile
            due = or_(
                due,
                and_(
                    t.c.attempts == 0,
                    t.c.next_attempt_at <= written_before + IMMEDIATE_DELIVERY_GRACE,
                ),
            )
        async with write_transaction(engine) as connection:
            candidates = (
                await connection.execute(
                    select(t.c.entry_id, t.c.event_count)
                    .where(t.c.delivered_at.is_(None), due)
                    .order_by(t.c.written_at)
                    .limit(max_events)  # every entry holds at least one event
                    .with_for_update(skip_locked=True)
                )
            ).all()
            chosen: list[UUID] = []
            events = 0
            for entry_id, event_count in candidates:
                events += event_count
                if chosen and events > max_events:
                    break
                chosen.append(entry_id)
            rows: dict[UUID, str] = {}
            if chosen:
                parameters = {"entry_ids": chosen, "until": now + CLAIM_LEASE}
                await connection.execute(self._lease, parameters)
                result = await connection.execute(self._events_of, parameters)
                rows = {row.entry_id: row.events for row in result}
            await commit(connection)
        return [
            OutboxEntry(entry_id, tuple(self._codec.decode(rows[entry_id]))) for entry_id in chosen
        ]

    async def mark_delivered(
        self, engine: AsyncEngine, entry_ids: Sequence[UUID], now: datetime
    ) -> None:
        # A mark that is lost only means a harmless redelivery: no transaction around it.
        async with one_statement_write(engine) as connection:
            await self._mark_delivered.execute(
                connection, {"entry_ids": list(entry_ids), "delivered_at": now}
            )

    async def mark_failed(
        self, engine: AsyncEngine, entry_id: UUID, error: str, now: datetime
    ) -> None:
        t = self.table
        async with write_transaction(engine) as connection:
            attempts = (
                await connection.execute(select(t.c.attempts).where(t.c.entry_id == entry_id))
            ).scalar_one()
            await connection.execute(
                update(t)
                .where(t.c.entry_id == entry_id)
                .values(
                    attempts=attempts + 1,
                    last_error=error[:2000],
                    next_attempt_at=now + retry_delay(attempts + 1),
                )
            )
            await commit(connection)

    async def backlog(self, connection: AsyncConnection) -> int:
        """How many events wait in undelivered entries."""
        t = self.table
        count = await connection.scalar(
            select(func.sum(t.c.event_count)).where(t.c.delivered_at.is_(None))
        )
        return int(count or 0)

    async def purge_delivered(self, engine: AsyncEngine, before: datetime) -> None:
        t = self.table
        async with one_statement_write(engine) as connection:
            await connection.execute(
                t.delete().where(t.c.delivered_at.is_not(None), t.c.delivered_at < before)
            )


class _DeliveryLine:
    """Calls that deliver one outbox's entries, taking turns on one event loop.

    A call that finds the line idle delivers at once; otherwise it waits. When
    a batch ends, the first waiting call takes every waiting call's entries as
    the next batch, and the others are told theirs are out.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._busy = False
        self._waiting: list[tuple[Sequence[OutboxEntry], asyncio.Future[bool]]] = []

    async def deliver(
        self,
        entries: Sequence[OutboxEntry],
        send: Callable[[Sequence[OutboxEntry]], Awaitable[None]],
    ) -> None:
        if self._busy:
            turn: asyncio.Future[bool] = self.loop.create_future()
            self._waiting.append((entries, turn))
            if not await turn:  # another call delivered them
                return
        self._busy = True
        batch, self._waiting = self._waiting, []
        try:
            await send([*entries, *(entry for waiting, _ in batch for entry in waiting)])
        except Exception as error:
            for _, turn in batch:
                if not turn.done():
                    turn.set_exception(error)
            raise
        except BaseException:  # this call was cancelled: the next one takes the batch on
            self._waiting[:0] = batch
            raise
        else:
            for _, turn in batch:
                if not turn.done():
                    turn.set_result(False)
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        """Wake the first waiting call to deliver the next batch, or go idle."""
        while self._waiting:
            if not self._waiting[0][1].done():
                self._waiting[0][1].set_result(True)
                self._waiting.pop(0)
                return
            self._waiting.pop(0)  # its caller is gone; its entries wait for the relay
        self._busy = False


class OutboxRelay:
    """Delivers outbox entries: right after a commit, and again until they succeed."""

    def __init__(
        self,
        engine: AsyncEngine,
        bus: InProcessEventBus,
        outboxes: Sequence[Outbox],
        clock: Clock,
        poll_interval_seconds: float = 1.0,
        events_per_claim: int = 100,
    ) -> None:
        self._engine = engine
        self._bus = bus
        self._outboxes = list(outboxes)
        self._clock = clock
        self._poll_interval = poll_interval_seconds
        self._events_per_claim = events_per_claim
        self._lines: dict[Outbox, _DeliveryLine] = {}

    async def deliver(self, outbox: Outbox, entries: Sequence[OutboxEntry]) -> None:
        """Dispatch the events of ``entries`` of ``outbox`` and record the outcome of each entry.

        Concurrent deliveries of one outbox go out together (group commit):
        while one runs, the entries of the calls that arrive meanwhile wait, and
        the first of those calls then delivers them all as one batch — one
        transaction per subscriber and one outbox update for the lot, instead
        of one per call. Every call returns once its own entries are delivered.
        """
        line = self._lines.get(outbox)
        if line is None or line.loop is not asyncio.get_running_loop():
            line = self._lines[outbox] = _DeliveryLine(asyncio.get_running_loop())
        await line.deliver(entries, lambda batch: self._deliver_batch(outbox, batch))

    async def _deliver_batch(self, outbox: Outbox, entries: Sequence[OutboxEntry]) -> None:
        failures = await self._bus.dispatch([event for entry in entries for event in entry.events])
        if failures and len(entries) > 1:
            # One entry's bad event must not hold back the others: each entry again on its
            # own (the subscribers that took the batch skip it through their inbox).
            failures = {}
            for entry in entries:
                failures |= await self._bus.dispatch(entry.events)
        delivered = []
        for entry in entries:
            errors = dict.fromkeys(
                error for event in entry.events for error in failures.get(event.event_id, ())
            )
            if errors:
                await outbox.mark_failed(
                    self._engine, entry.entry_id, "; ".join(errors), self._clock.now()
                )
            else:
                delivered.append(entry.entry_id)
        if delivered:
            await outbox.mark_delivered(self._engine, delivered, self._clock.now())

    async def deliver_due(self, *, written_before: datetime | None = None) -> int:
        """One pass over every outbox: deliver what is due; return how many events it tried.

        The pass takes what was due when it began, each entry once: one that
        fails waits for the next pass, even when its back-off ends before this
        one does. ``written_before`` (the moment this process started) makes
        entries written before it due at once (``Outbox.claim_due``).
        """
        total = 0
        began = self._clock.now()
        for outbox in self._outboxes:
            while entries := await outbox.claim_due(
                self._engine,
                self._clock.now(),
                self._events_per_claim,
                written_before=written_before,
                due_by=began,
            ):
                await self.deliver(outbox, entries)
                total += sum(len(entry.events) for entry in entries)
        return total

    async def backlog(self) -> int:
        async with self._engine.connect() as connection:
            return sum([await outbox.backlog(connection) for outbox in self._outboxes])

    async def run(self, stopping: asyncio.Event) -> None:
        """Poll until ``stopping`` is set; a failing pass is logged and retried.

        Once set, the pass under way finishes and the relay returns: cancelled
        instead, in the middle of a database call, it left the connection to
        be torn down under the call (asyncpg then reports a lost connection
        that nothing awaits). What an earlier process committed and did not
        deliver is due at once.
        """
        started = self._clock.now()
        last_purge: datetime | None = None
        while not stopping.is_set():
            try:
                await self.deliver_due(written_before=started)
                now = self._clock.now()
                if last_purge is None or now - last_purge > PURGE_INTERVAL:
                    for outbox in self._outboxes:
                        await outbox.purge_delivered(self._engine, now - DELIVERED_RETENTION)
                    last_purge = now
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox relay pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._poll_interval)
