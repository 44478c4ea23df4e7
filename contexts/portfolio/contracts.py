"""Published language of the portfolio context: its events and the directory port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from shared_kernel.domain.events import IntegrationEvent


@dataclass(frozen=True, kw_only=True, slots=True)
class PortfolioOpened(IntegrationEvent):
    portfolio_id: UUID
    owner_id: UUID
    name: str
    currency: str


@dataclass(frozen=True, kw_only=True, slots=True)
class PortfolioRenamed(IntegrationEvent):
    portfolio_id: UUID
    name: str
    description: str | None
    version: int


@dataclass(frozen=True, kw_only=True, slots=True)
class PortfolioDeleted(IntegrationEvent):
    portfolio_id: UUID
    owner_id: UUID


PORTFOLIO_EVENTS: tuple[type[IntegrationEvent], ...] = (
    PortfolioOpened,
    PortfolioRenamed,
    PortfolioDeleted,
)


@dataclass(frozen=True)
class PortfolioInfo:
    portfolio_id: UUID
    owner_id: UUID
    currency: str


class PortfolioDirectory(Protocol):
    """What other contexts may ask about portfolios."""

    async def get_portfolio(self, portfolio_id: UUID) -> PortfolioInfo | None:
        """Owner and currency of a portfolio; None when it does not exist."""
        ...
