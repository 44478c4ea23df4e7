"""How the transaction context reacts to other contexts' events."""

from __future__ import annotations

from contexts.portfolio.contracts import PortfolioDeleted
from contexts.transaction.application.ports import TransactionUnitOfWorkFactory
from shared_kernel.application.events import EventSubscriptions


class TransactionSubscribers:
    def __init__(self, uow_factory: TransactionUnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def subscribe(self, subscriptions: EventSubscriptions) -> None:
        subscriptions.subscribe(PortfolioDeleted, "transaction.delete_book", self.delete_book)

    async def delete_book(self, event: PortfolioDeleted) -> None:
        """A deleted portfolio takes its transactions, ledger and idempotency keys along."""
        async with self._uow_factory() as uow:
            if not await uow.claim_event(event.event_id, "transaction.delete_book"):
                return
            await uow.transactions.delete_portfolio(event.portfolio_id)
            await uow.idempotency.delete_portfolio(event.portfolio_id)
            await uow.commit()
