"""Ports for subscribing to integration events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from shared_kernel.domain.events import IntegrationEvent

EventBatchHandler = Callable[[Sequence[IntegrationEvent]], Awaitable[None]]
"""Handles the events of one delivery (one commit's, or one relay batch's), in order."""


class EventSubscriptions(Protocol):
    def subscribe(
        self,
        event_types: tuple[type[IntegrationEvent], ...],
        subscriber_name: str,
        handler: EventBatchHandler,
    ) -> None:
        """Call ``handler`` with the events of those types in each delivery.

        ``subscriber_name`` is unique and stable: the inbox remembers what each
        name processed, so a handler skips events it already applied. Taking
        a batch lets a subscriber do its work once per delivery (an import of
        10,000 transactions rebuilds each touched position once, not 10,000
        times).
        """
        ...
