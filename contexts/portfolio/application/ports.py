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


@dataclass(frozen=True)
class StoredCopies:
    """What storing a batch of transaction copies changed."""

    cash: dict[UUID, Decimal]
    """By portfolio, the change in the cash balance."""
    live: list[TransactionData]
    """The copies that are new and live."""
    voided: set[UUID]
    """The copies that were live and are voided now."""


class ProjectionStore(Protocol):
    """The holdings projection's tables, inside a unit of work."""

    async def lock_portfolios(self, portfolio_ids: Sequence[UUID], *, exclusive: bool) -> set[UUID]:
        """Hold the portfolios (sorted ids) until the unit of work ends; the ones that exist.

        Applying events holds them shared; a rebuild or a deletion exclusively.
        """
        ...

    async def store_transactions(self, transactions: Sequence[TransactionData]) -> StoredCopies:
        """Keep the copies of the transactions (a voided one stays voided);
        return what that changes."""
        ...

    async def store_split(self, stock_id: UUID, split: SplitInfo) -> None:
        """Keep the copy of a split (once, whatever how often it is stored)."""
        ...

    async def portfolios_holding(self, stock_id: UUID) -> list[UUID]:
        """The portfolios with any transaction in the stock."""
        ...

    async def lock_holdings(
        self, positions: Sequence[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], StoredHolding | None]:
        """Hold the positions until the unit of work ends, so that two updates
        of one position cannot interleave (``positions`` sorted); return their
        stored holdings (None: the position has no live transaction)."""
        ...

    async def position_entries(
        self, positions: Sequence[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], list[PositionEntry]]:
        """The positions' live copied transactions (a position without any is left out)."""
        ...

    async def has_live_sale(self, position: tuple[UUID, UUID]) -> bool:
        """Whether the position has a sale that is not voided."""
        ...

    async def splits_of(self, stock_ids: Sequence[UUID]) -> dict[UUID, list[SplitEntry]]:
        """The stocks' copied splits (a stock without any is left out)."""
        ...

    async def save_holdings(
        self, holdings: Sequence[StoredHolding], emptied: Sequence[tuple[UUID, UUID]]
    ) -> None:
        """Store the holdings of locked positions, and drop those of the ``emptied``
        ones (no live transaction left)."""
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
class StoredHolding:
    """A position's holding as the projection keeps it."""

    portfolio_id: UUID
    figures: HoldingFigures
    first_transaction_at: datetime
    last_entry: tuple[datetime, datetime, UUID] | None
    """The replay order (executed_at, recorded_at, id) of the last transaction it
    reflects; None when not known (a holding stored before that was kept)."""


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


@dataclass(frozen=True)
class OwnedHoldings:
    """What a holdings report reads of its own context, at one moment."""

    currency: str
    """The portfolio's."""
    figures: list[HoldingFigures]
    cash_balance: Decimal


class ProjectionReader(Protocol):
    async def owned_holdings(self, portfolio_id: UUID, owner_id: UUID) -> OwnedHoldings | None:
        """The owner's portfolio's currency, stored holdings and cash balance, in one
        read; None when the portfolio is missing or someone else's."""
        ...

    async def holdings(self, portfolio_id: UUID) -> list[HoldingFigures]: ...

    async def cash_balance(self, portfolio_id: UUID) -> Decimal: ...

    async def projected_portfolio_ids(self) -> set[UUID]:
        """Every portfolio the projection holds a holding or a cash balance of."""
        ...

    async def first_executed_at(self, portfolio_id: UUID) -> datetime | None:
        """When the portfolio's first live transaction, of any type, was executed."""
        ...

    async def histories(
        self, portfolio_id: UUID
    ) -> dict[UUID, tuple[list[PositionEntry], list[SplitEntry]]]:
        """Every stock of the portfolio: its live entries and its splits."""
        ...
