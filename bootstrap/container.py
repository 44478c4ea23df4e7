"""Root container: shared infrastructure plus each context's container."""

from __future__ import annotations

from typing import Protocol

from dependency_injector import containers, providers
from sqlalchemy.engine import make_url

from bootstrap.secret_key import resolve_secret_key
from bootstrap.settings import Settings
from contexts.identity.container import IdentityContainer
from contexts.portfolio.container import PortfolioContainer
from contexts.stock.container import StockContainer
from contexts.transaction.container import TransactionContainer
from shared_kernel.application.clock import SystemClock
from shared_kernel.application.events import EventSubscriptions
from shared_kernel.domain.events import IntegrationEvent
from shared_kernel.infrastructure.database import create_engine
from shared_kernel.infrastructure.event_bus import InProcessEventBus
from shared_kernel.infrastructure.event_codec import EventCodec
from shared_kernel.infrastructure.outbox import OutboxRelay


class Subscriber(Protocol):
    def subscribe(self, subscriptions: EventSubscriptions) -> None: ...


def _subscribed_bus(*subscribers: Subscriber) -> InProcessEventBus:
    """The bus with every context's subscribers on it — for the app and every command."""
    bus = InProcessEventBus()
    for subscriber in subscribers:
        subscriber.subscribe(bus)
    return bus


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
    bus = providers.Singleton(_subscribed_bus)
    codec = providers.Singleton(_codec)
    relay = providers.Singleton(OutboxRelay, engine=engine, bus=bus, clock=clock)

    secret_key = providers.Singleton(resolve_secret_key, settings)

    identity = providers.Container(
        IdentityContainer,
        engine=engine,
        clock=clock,
        codec=codec,
        relay=relay,
        secret_key=secret_key,
        access_token_minutes=settings.provided.access_token_minutes,
        registration_open=settings.provided.allow_registration,
    )
    stock = providers.Container(
        StockContainer,
        engine=engine,
        clock=clock,
        codec=codec,
        relay=relay,
        auth=identity.web_auth,
    )
    portfolio = providers.Container(
        PortfolioContainer,
        engine=engine,
        clock=clock,
        codec=codec,
        relay=relay,
        auth=identity.web_auth,
        stock_catalog=stock.catalog,
    )
    transaction = providers.Container(
        TransactionContainer,
        engine=engine,
        clock=clock,
        codec=codec,
        relay=relay,
        auth=identity.web_auth,
        stock_catalog=stock.catalog,
        portfolio_directory=portfolio.directory,
        unsafe_ledger=settings.provided.unsafe_ledger,
    )


_CONTEXTS = (
    RootContainer.identity,
    RootContainer.stock,
    RootContainer.portfolio,
    RootContainer.transaction,
)
# The stock context is asked by the transaction context for its catalog, and asks the
# book before a split: wired once both exist.
RootContainer.stock.held_positions.override(RootContainer.transaction.book)
RootContainer.bus.add_args(RootContainer.transaction.subscribers, RootContainer.portfolio.projector)
RootContainer.codec.add_args(*(context.events for context in _CONTEXTS))
RootContainer.relay.add_kwargs(outboxes=providers.List(*(context.outbox for context in _CONTEXTS)))
