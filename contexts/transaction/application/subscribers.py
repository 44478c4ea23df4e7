"""How the transaction context reacts to other contexts' events."""

from __future__ import annotations

from collections.abc import Sequence

from contexts.portfolio.contracts import PortfolioDeleted
from contexts.transaction.application.ports import TransactionUnitOfWorkFactory
from shared_kernel.application.events import EventSubscriptions
from shared_kernel.domain.events import IntegrationEvent

DELETE_BOOKS = "transaction.delete_books"


class TransactionSubscribers:
    def __init__(self, uow_factory: TransactionUnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def subscribe(self, subscriptions: EventSubscriptions) -> None:
        subscriptions.subscribe((PortfolioDeleted,), DELETE_BOOKS, self.delete_books)

    async def delete_books(self, events: Sequence[IntegrationEvent]) -> None:
        """A deleted portfolio takes its transactions, ledger and idempotency keys along.

        Its book is closed first, under an exclusive lock: a transaction being
        recorded meanwhile either commits before (and is deleted here) or finds
        the book closed (404) — none is left behind.
        """
        async with self._uow_factory() as uow:
            fresh = await uow.claim_events([event.event_id for event in events], DELETE_BOOKS)
            for event in events:
                assert isinstance(event, PortfolioDeleted)
                if event.event_id in fresh:
                    await uow.books.close_book(event.portfolio_id, event.occurred_at)
                    await uow.transactions.delete_portfolio(event.portfolio_id)
                    await uow.idempotency.delete_portfolio(event.portfolio_id)
            await uow.commit()
