"""Unit-of-work port: one database transaction, its events and its inbox."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from shared_kernel.domain.aggregate import AggregateRoot
from shared_kernel.domain.events import IntegrationEvent


class UnitOfWork(Protocol):
    """``async with uow: ...; await uow.commit()`` — leaving without commit rolls back.

    Events recorded by collected aggregates (and events published directly)
    are written to the context's outbox in the same transaction, and
    delivered to subscribers after the commit.
    """

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def collect(self, aggregate: AggregateRoot) -> None:
        """Take the aggregate's recorded events on commit."""
        ...

    def publish(self, event: IntegrationEvent) -> None:
        """Publish an event that no aggregate recorded (e.g. a bulk operation)."""
        ...

    async def claim_events(self, event_ids: Sequence[UUID], subscriber_name: str) -> set[UUID]:
        """Record in the inbox that ``subscriber_name`` handles these events.

        Returns the ids it had not handled yet: the caller skips the others.
        """
        ...

    async def commit(self) -> None: ...
