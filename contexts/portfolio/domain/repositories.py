"""Repository ports of the portfolio context (write side)."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from contexts.portfolio.domain.portfolio import Portfolio


class PortfolioRepository(Protocol):
    async def add(self, portfolio: Portfolio) -> None:
        """Insert; raises ``NameTaken`` when the owner has a portfolio of that name."""
        ...

    async def get(self, portfolio_id: UUID, owner_id: UUID) -> Portfolio | None:
        """The owner's portfolio, locked until the unit of work ends; None if not theirs."""
        ...

    async def save(self, portfolio: Portfolio) -> None:
        """Store changes; raises ``NameTaken`` on a clash."""
        ...

    async def remove(self, portfolio: Portfolio) -> None: ...
