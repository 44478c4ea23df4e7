"""Ports the portfolio application needs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from contexts.portfolio.domain.position import (
    CostBasisMethod,
    PositionEntry,
    PositionState,
    SplitEntry,
)
from contexts.portfolio.domain.repositories import PortfolioRepository
from contexts.stock.contracts import SplitInfo
from contexts.transaction.contracts import TransactionData
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.application.unit_of_work import UnitOfWork


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


class ProjectionStore(Protocol):
    """The holdings projection's tables, inside a unit of work."""

    async def lock_portfolios(self, portfolio_ids: Sequence[UUID], *, exclusive: bool) -> set[UUID]:
        """Hold the portfolios (sorted ids) until the unit of work ends; the ones that exist.

        Applying events holds them shared; a rebuild or a deletion exclusively.
        """
        ...

    async def store_transactions(
        self, transactions: Sequence[TransactionData]
    ) -> dict[UUID, Decimal]:
        """Keep the copies of the transactions (a voided one stays voided);
        return, by portfolio, what that changes in the cash balance."""
        ...

    async def store_split(self, stock_id: UUID, split: SplitInfo) -> None:
        """Keep the copy of a split (once, whatever how often it is stored)."""
        ...

    async def portfolios_holding(self, stock_id: UUID) -> list[UUID]:
        """The portfolios with any transaction in the stock."""
        ...

    async def lock_positions(self, positions: Sequence[tuple[UUID, UUID]]) -> None:
        """Hold the positions until the unit of work ends, so that two replays
        of one position cannot interleave (``positions`` sorted)."""
        ...

    async def position_entries(self, portfolio_id: UUID, stock_id: UUID) -> list[PositionEntry]:
        """The position's live copied transactions."""
        ...

    async def splits_of(self, stock_id: UUID) -> list[SplitEntry]: ...

    async def save_holding(
        self, portfolio_id: UUID, stock_id: UUID, state: PositionState | None
    ) -> None:
        """Store the replayed position (None: it has no transactions left)."""
        ...

    async def add_cash(self, portfolio_id: UUID, delta: Decimal) -> None: ...

    async def forget_portfolio(self, portfolio_id: UUID) -> None:
        """Drop the portfolio's copies, holdings and cash balance."""
        ...


class PortfolioUnitOfWork(UnitOfWork, Protocol):
    portfolios: PortfolioRepository
    projection: ProjectionStore


PortfolioUnitOfWorkFactory = Callable[[], PortfolioUnitOfWork]


@dataclass(frozen=True)
class HoldingFigures:
    """A stored holding: the replayed position's figures under both methods."""

    stock_id: UUID
    quantity: Decimal
    fifo_cost_basis: Decimal
    fifo_realized_gain: Decimal
    average_cost_basis: Decimal
    average_realized_gain: Decimal
    dividends: Decimal
    fees: Decimal
    taxes: Decimal

    def cost_basis(self, method: CostBasisMethod) -> Decimal:
        if method is CostBasisMethod.FIFO:
            return self.fifo_cost_basis
        return self.average_cost_basis

    def realized_gain(self, method: CostBasisMethod) -> Decimal:
        if method is CostBasisMethod.FIFO:
            return self.fifo_realized_gain
        return self.average_realized_gain


class ProjectionReader(Protocol):
    async def holdings(self, portfolio_id: UUID) -> list[HoldingFigures]: ...

    async def cash_balance(self, portfolio_id: UUID) -> Decimal: ...

    async def first_executed_at(self, portfolio_id: UUID) -> datetime | None:
        """When the portfolio's first live transaction, of any type, was executed."""
        ...

    async def histories(
        self, portfolio_id: UUID
    ) -> dict[UUID, tuple[list[PositionEntry], list[SplitEntry]]]:
        """Every stock of the portfolio: its live entries and its splits."""
        ...
