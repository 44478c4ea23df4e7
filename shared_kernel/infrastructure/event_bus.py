"""In-process event bus: delivers integration events to their subscribers."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from shared_kernel.application.events import EventBatchHandler
from shared_kernel.domain.events import IntegrationEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Subscription:
    name: str
    event_types: tuple[type[IntegrationEvent], ...]
    handler: EventBatchHandler


class InProcessEventBus:
    """Subscribers register for event types; ``dispatch`` hands each its share.

    A subscriber that raises is logged and reported back, not propagated:
    its events stay undelivered in the outbox and the relay retries them; the
    subscribers that succeeded skip the retry through their inbox.
    """

    def __init__(self) -> None:
        self._subscriptions: list[_Subscription] = []

    def subscribe(
        self,
        event_types: tuple[type[IntegrationEvent], ...],
        subscriber_name: str,
        handler: EventBatchHandler,
    ) -> None:
        if any(s.name == subscriber_name for s in self._subscriptions):
            raise ValueError(f"subscriber name {subscriber_name!r} is already taken")
        self._subscriptions.append(_Subscription(subscriber_name, event_types, handler))

    async def dispatch(self, events: Sequence[IntegrationEvent]) -> dict[UUID, list[str]]:
        """Deliver ``events``; return, by event id, the errors of the subscribers that failed."""
        failures: defaultdict[UUID, list[str]] = defaultdict(list)
        for subscription in self._subscriptions:
            share = [event for event in events if isinstance(event, subscription.event_types)]
            if not share:
                continue
            try:
                await subscription.handler(share)
            except Exception as error:  # a subscriber's failure must not spread
                logger.exception(
                    "subscriber %s failed on %d event(s), first %s %s",
                    subscription.name,
                    len(share),
                    type(share[0]).__name__,
                    share[0].event_id,
                )
                for event in share:
                    failures[event.event_id].append(
                        f"{subscription.name}: {type(error).__name__}: {error}"
                    )
        return dict(failures)
