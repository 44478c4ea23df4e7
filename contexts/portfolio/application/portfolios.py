"""Use cases for portfolios: open, rename, delete, and reading them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from contexts.portfolio.application.ports import (
    PortfolioReader,
    PortfolioUnitOfWorkFactory,
    PortfolioView,
)
from contexts.portfolio.domain.portfolio import Portfolio, PortfolioNotFound
from shared_kernel.application.clock import Clock
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import InvalidInput, VersionCheck


@dataclass(frozen=True)
class OpenPortfolio:
    owner_id: UUID
    name: str
    description: str | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class UpdatePortfolio:
    owner_id: UUID
    portfolio_id: UUID
    changes: Mapping[str, str | None]
    """Only the fields to change (``name``, ``description``); None clears the description."""
    expected: VersionCheck = field(default_factory=VersionCheck)


@dataclass(frozen=True)
class DeletePortfolio:
    owner_id: UUID
    portfolio_id: UUID
    expected: VersionCheck = field(default_factory=VersionCheck)


class PortfolioService:
    def __init__(
        self, uow_factory: PortfolioUnitOfWorkFactory, reader: PortfolioReader, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._clock = clock

    async def open(self, command: OpenPortfolio) -> PortfolioView:
        portfolio = Portfolio.open(
            command.owner_id,
            command.name,
            command.description,
            command.currency,
            self._clock.now(),
        )
        async with self._uow_factory() as uow:
            await uow.portfolios.add(portfolio)
            uow.collect(portfolio)
            await uow.commit()
        return await self.get(command.owner_id, portfolio.id)

    async def update(self, command: UpdatePortfolio) -> PortfolioView:
        async with self._uow_factory() as uow:
            portfolio = await uow.portfolios.get(command.portfolio_id, command.owner_id)
            if portfolio is None:
                raise PortfolioNotFound()
            name = command.changes.get("name", portfolio.name)
            if name is None:
                raise InvalidInput.for_field("name", "must not be empty")
            portfolio.rename(
                name,
                command.changes.get("description", portfolio.description),
                command.expected,
                self._clock.now(),
            )
            await uow.portfolios.save(portfolio)
            uow.collect(portfolio)
            await uow.commit()
        return await self.get(command.owner_id, command.portfolio_id)

    async def delete(self, command: DeletePortfolio) -> None:
        async with self._uow_factory() as uow:
            portfolio = await uow.portfolios.get(command.portfolio_id, command.owner_id)
            if portfolio is None:
                raise PortfolioNotFound()
            portfolio.delete(command.expected, self._clock.now())
            await uow.portfolios.remove(portfolio)
            await uow.projection.forget_portfolio(portfolio.id)
            uow.collect(portfolio)
            await uow.commit()

    async def get(self, owner_id: UUID, portfolio_id: UUID) -> PortfolioView:
        view = await self._reader.get(portfolio_id, owner_id)
        if view is None:
            raise PortfolioNotFound()
        return view

    async def list_portfolios(self, owner_id: UUID, page: PageRequest) -> Page[PortfolioView]:
        return await self._reader.owned_by(owner_id, page)
