"""Aggregate root: the consistency boundary that records what happened to it."""

from __future__ import annotations

from shared_kernel.domain.events import IntegrationEvent


class AggregateRoot:
    """Base for aggregates; collects the events their operations record.

    The unit of work takes the events when it commits and stores them in the
    outbox in the same database transaction as the state change.
    """

    def __init__(self) -> None:
        self._pending_events: list[IntegrationEvent] = []

    def record(self, event: IntegrationEvent) -> None:
        self._pending_events.append(event)

    def pull_events(self) -> list[IntegrationEvent]:
        events, self._pending_events = self._pending_events, []
        return events
