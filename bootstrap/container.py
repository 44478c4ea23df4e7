"""Root container: shared infrastructure plus each context's container."""

from __future__ import annotations

from dependency_injector import containers, providers
from sqlalchemy.engine import make_url

from bootstrap.settings import Settings
from contexts.stock.container import StockContainer
from shared_kernel.application.clock import SystemClock
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure.database import create_engine
from shared_kernel.infrastructure.event_bus import InProcessEventBus
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import OutboxRelay


def _codec(*event_groups: tuple[type[IntegrationEvent], ...]) -> EventCodec:
    codec = EventCodec()
    for group in event_groups:
        codec.register(*group)
    return codec


class RootContainer(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(
        create_engine,
        url=providers.Callable(make_url, settings.provided.database_url),
        pool_size=settings.provided.db_pool_size,
    )
    bus = providers.Singleton(InProcessEventBus)
    codec = providers.Singleton(_codec)
    relay = providers.Singleton(OutboxRelay, engine=engine, bus=bus, clock=clock)

    stock = providers.Container(
        StockContainer, engine=engine, clock=clock, codec=codec, relay=relay
    )


RootContainer.codec.add_args(RootContainer.stock.events)
RootContainer.relay.add_kwargs(outboxes=providers.List(RootContainer.stock.outbox))
