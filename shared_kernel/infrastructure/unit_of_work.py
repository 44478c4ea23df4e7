"""SQL unit of work: one write transaction, its outbox events and its inbox."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import ClassVar, Self
from uuid import UUID

from sqlalchemy import Table, bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared_kernel.application.clock import Clock
from shared_kernel.domain.aggregate import AggregateRoot
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure import failpoints
from shared_kernel.infrastructure.compiled_statements import CompiledWrite, conflict_writes
from shared_kernel.infrastructure.database import commit, write_transaction
from shared_kernel.infrastructure.outbox import Outbox, OutboxRelay
from shared_kernel.infrastructure.value_lists import ValueRows

logger = logging.getLogger(__name__)


class SqlUnitOfWork:
    """Base of each context's unit of work.

    Subclasses name their context's inbox table and build their repositories
    on the open connection in ``_bind``. One instance serves one ``async with``
    block.
    """

    inbox_table: ClassVar[Table]

    def __init__(
        self, engine: AsyncEngine, outbox: Outbox, relay: OutboxRelay, clock: Clock
    ) -> None:
        self._engine = engine
        self._outbox = outbox
        self._relay = relay
        self._clock = clock
        self._connection: AsyncConnection | None = None
        self._transaction = contextlib.AsyncExitStack()
        self._aggregates: list[AggregateRoot] = []
        self._events: list[IntegrationEvent] = []

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    def _bind(self, connection: AsyncConnection) -> None:
        """Create the repositories on ``connection``."""

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work serves one block at a time")
        self._connection = await self._transaction.enter_async_context(
            write_transaction(self._engine)
        )
        self._bind(self._connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._connection = None
        self._aggregates.clear()
        self._events.clear()
        await self._transaction.aclose()

    def collect(self, aggregate: AggregateRoot) -> None:
        self._aggregates.append(aggregate)

    def publish(self, event: IntegrationEvent) -> None:
        self._events.append(event)

    async def claim_events(self, event_ids: Sequence[UUID], subscriber_name: str) -> set[UUID]:
        unique = list(dict.fromkeys(event_ids))
        if not unique:
            return set()
        claim = _inbox_claims(self.inbox_table)[self.connection.dialect.name]
        claimed = await claim.fetch_column(
            self.connection,
            {"event_ids": unique, "subscriber": subscriber_name, "processed_at": self._clock.now()},
        )
        return set(claimed)

    async def commit(self) -> None:
        connection = self.connection
        events = [event for aggregate in self._aggregates for event in aggregate.pull_events()]
        events += self._events
        entry = await self._outbox.add(connection, events, self._clock.now()) if events else None
        await commit(connection)
        await self._transaction.aclose()
        self._connection = None
        self._aggregates.clear()
        self._events.clear()
        if entry is not None:
            failpoints.reach(failpoints.AFTER_COMMIT)
            try:
                await self._relay.deliver(self._outbox, [entry])
            except Exception:  # committed is committed: the relay delivers them later
                logger.exception("immediate delivery failed; the outbox relay will retry")


@functools.cache
def _inbox_claims(inbox: Table) -> Mapping[str, CompiledWrite]:
    """Insert an inbox row per event id not yet there; the ids inserted come back.

    The ids are one parameter (``ValueRows``): the statement is compiled once,
    whether a delivery brings one event or an import's hundred thousand.
    """
    ids = ValueRows("event_ids", inbox.c.event_id.type)
    rows = (
        select(
            ids.value,
            bindparam("subscriber", type_=inbox.c.subscriber.type),
            bindparam("processed_at", type_=inbox.c.processed_at.type),
        )
        .select_from(ids)
        # SQLite reads ON CONFLICT after a SELECT without WHERE as part of a join.
        .where(true())
    )
    return conflict_writes(
        lambda insert: (
            insert(inbox)
            .from_select(["event_id", "subscriber", "processed_at"], rows)
            .on_conflict_do_nothing()
            .returning(inbox.c.event_id)
        )
    )
