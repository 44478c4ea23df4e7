"""Ports for publishing and subscribing to integration events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from shared_kernel.domain.events import IntegrationEvent

E = TypeVar("E", bound=IntegrationEvent)
EventHandler = Callable[[E], Awaitable[None]]


class EventSubscriptions(Protocol):
    def subscribe(
        self, event_type: type[E], subscriber_name: str, handler: EventHandler[E]
    ) -> None:
        """Call ``handler`` for every ``event_type`` event; ``subscriber_name``
        is unique and stable (the inbox remembers what each name processed)."""
        ...
