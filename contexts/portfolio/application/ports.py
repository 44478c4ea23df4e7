"""Ports the portfolio application needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from contexts.portfolio.domain.repositories import PortfolioRepository
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork


class PortfolioUnitOfWork(UnitOfWork, Protocol):
    portfolios: PortfolioRepository


PortfolioUnitOfWorkFactory = Callable[[], PortfolioUnitOfWork]


@dataclass(frozen=True)
class PortfolioView:
    id: UUID
    owner_id: UUID
    name: str
    description: str | None
    currency: str
    created_at: datetime
    updated_at: datetime
    version: int


class PortfolioReader(Protocol):
    async def get(self, portfolio_id: UUID, owner_id: UUID) -> PortfolioView | None:
        """The owner's portfolio; None when missing or someone else's."""
        ...

    async def owned_by(self, owner_id: UUID, page: PageRequest) -> Page[PortfolioView]:
        """The owner's portfolios, oldest first."""
        ...
