"""In-process event bus: delivers integration events to their subscribers."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

from shared_kernel.application.events import E, EventHandler
from shared_kernel.domain.events import IntegrationEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Subscription:
    name: str
    handler: Callable[[Any], Awaitable[None]]


class InProcessEventBus:
    """Subscribers register by event type; ``dispatch`` calls each of them.

    A subscriber that raises is logged and reported back, not propagated:
    the event stays undelivered in the outbox and the relay retries it; the
    subscribers that succeeded skip the retry through their inbox.
    """

    def __init__(self) -> None:
        self._subscriptions: dict[type[IntegrationEvent], list[_Subscription]] = defaultdict(list)

    def subscribe(
        self, event_type: type[E], subscriber_name: str, handler: EventHandler[E]
    ) -> None:
        names = {s.name for subs in self._subscriptions.values() for s in subs}
        if subscriber_name in names:
            raise ValueError(f"subscriber name {subscriber_name!r} is already taken")
        self._subscriptions[event_type].append(
            _Subscription(subscriber_name, cast(Callable[[Any], Awaitable[None]], handler))
        )

    async def dispatch(self, event: IntegrationEvent) -> list[str]:
        """Deliver ``event``; return the errors of the subscribers that failed."""
        failures: list[str] = []
        for subscription in self._subscriptions.get(type(event), []):
            try:
                await subscription.handler(event)
            except Exception as error:  # a subscriber's failure must not spread
                logger.exception(
                    "subscriber %s failed on %s %s",
                    subscription.name,
                    type(event).__name__,
                    event.event_id,
                )
                failures.append(f"{subscription.name}: {type(error).__name__}: {error}")
        return failures
