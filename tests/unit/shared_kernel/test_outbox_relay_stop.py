"""A relay asked to stop finishes the pass under way instead of being cut in the
middle of a database call (which left asyncpg's connection to be torn down under it)."""

import asyncio
from datetime import datetime
from typing import Any, cast

from shared_kernel.application.clock import SystemClock
from shared_kernel.infrastructure.event_bus import InProcessEventBus
from shared_kernel.infrastructure.outbox import Outbox, OutboxEntry, OutboxRelay


class SlowOutbox:
    """An outbox whose every claim waits until ``release`` is set."""

    def __init__(self) -> None:
        self.claiming = asyncio.Event()
        self.release = asyncio.Event()
        self.claims_finished = 0
        self.claimed = asyncio.Event()

    async def claim_due(self, *args: Any, **kwargs: Any) -> list[OutboxEntry]:
        self.claiming.set()
        await self.release.wait()
        self.claims_finished += 1
        self.claimed.set()
        return []

    async def purge_delivered(self, engine: Any, before: datetime) -> None:
        return None


def relay_of(outbox: SlowOutbox) -> OutboxRelay:
    return OutboxRelay(
        engine=cast(Any, None),
        bus=InProcessEventBus(),
        outboxes=[cast(Outbox, outbox)],
        clock=SystemClock(),
        poll_interval_seconds=60,
    )


async def test_a_stopped_relay_finishes_the_pass_under_way_and_returns() -> None:
    outbox = SlowOutbox()
    stopping = asyncio.Event()
    running = asyncio.create_task(relay_of(outbox).run(stopping))
    await outbox.claiming.wait()
    stopping.set()
    await asyncio.sleep(0.01)
    assert not running.done()  # the claim under way is not cut
    outbox.release.set()
    await asyncio.wait_for(running, timeout=5)  # not the 60 s poll interval
    assert outbox.claims_finished == 1
    assert not running.cancelled()


async def test_a_relay_stopped_between_passes_returns_at_once() -> None:
    outbox = SlowOutbox()
    outbox.release.set()
    stopping = asyncio.Event()
    running = asyncio.create_task(relay_of(outbox).run(stopping))
    await outbox.claimed.wait()
    stopping.set()
    await asyncio.wait_for(running, timeout=5)
    assert outbox.claims_finished == 1
