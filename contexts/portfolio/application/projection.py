"""The holdings projection: built only from transaction and split events.

The portfolio context keeps its own copy of the transactions and splits it
needs. Whenever an event touches a (portfolio, stock) position, that position
is replayed from its whole copied history, so back-dated transactions, voids
and splits give exactly what a full replay gives. The cash balance moves by
each transaction's cash effect when its copy first appears (and back when it
is voided), so it is right whatever order events arrive in, and how often.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

from contexts.portfolio.application.ports import (
    HoldingFigures,
    PortfolioUnitOfWorkFactory,
    ProjectionReader,
    ProjectionStore,
)
from contexts.portfolio.domain.cash import CashEntry, CashKind, cash_balance
from contexts.portfolio.domain.position import (
    EntryKind,
    PositionEntry,
    SplitEntry,
    replay_position,
)
from contexts.stock.contracts import SplitInfo, StockCatalog, StockSplitRecorded
from contexts.transaction.contracts import (
    TransactionData,
    TransactionHistory,
    TransactionRecorded,
    TransactionVoided,
)
from shared_kernel.application.events import EventSubscriptions
from shared_kernel.domain.events import IntegrationEvent

SUBSCRIBER = "portfolio.holdings_projection"

_POSITION_TYPES = frozenset(kind.value for kind in EntryKind)

Position = tuple[UUID, UUID]
"""(portfolio id, stock id)."""


def position_entry(data: TransactionData) -> PositionEntry | None:
    """The transaction as its position replays it; None when it touches no position."""
    if data.stock_id is None or data.voided_at is not None or data.type not in _POSITION_TYPES:
        return None
    return PositionEntry(
        transaction_id=data.transaction_id,
        kind=EntryKind(data.type),
        executed_at=data.executed_at,
        recorded_at=data.recorded_at,
        quantity=data.quantity,
        price=data.price,
        amount=data.amount,
        fee=data.fee,
        tax=data.tax,
    )


class HoldingsProjector:
    def __init__(
        self,
        uow_factory: PortfolioUnitOfWorkFactory,
        reader: ProjectionReader,
        catalog: StockCatalog,
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._catalog = catalog

    def subscribe(self, subscriptions: EventSubscriptions) -> None:
        subscriptions.subscribe(
            (TransactionRecorded, TransactionVoided, StockSplitRecorded), SUBSCRIBER, self.apply
        )

    async def apply(self, events: Sequence[IntegrationEvent]) -> None:
        """Apply one delivery in one transaction; each touched position is replayed once."""
        async with self._uow_factory() as uow:
            store = uow.projection
            fresh = await uow.claim_events([event.event_id for event in events], SUBSCRIBER)
            new = [event for event in events if event.event_id in fresh]
            transactions = [
                event.transaction
                for event in new
                if isinstance(event, TransactionRecorded | TransactionVoided)
            ]
            # Deleted meanwhile: nothing to project for those portfolios.
            open_portfolios = await store.lock_portfolios(
                sorted({data.portfolio_id for data in transactions}), exclusive=False
            )
            transactions = [data for data in transactions if data.portfolio_id in open_portfolios]
            cash = await store.store_transactions(transactions)
            touched: set[Position] = {
                (data.portfolio_id, data.stock_id)
                for data in transactions
                if data.stock_id is not None
            }
            for event in new:
                if isinstance(event, StockSplitRecorded):
                    split = SplitInfo(
                        event.split_id, event.effective_date, event.numerator, event.denominator
                    )
                    await store.store_split(event.stock_id, split)
                    holders = await store.portfolios_holding(event.stock_id)
                    touched |= {(portfolio_id, event.stock_id) for portfolio_id in holders}
            await _replay(store, touched)
            for portfolio_id in sorted(cash):
                if cash[portfolio_id]:
                    await store.add_cash(portfolio_id, cash[portfolio_id])
            await uow.commit()

    async def rebuild(self, portfolio_id: UUID, history: TransactionHistory) -> None:
        """Throw the portfolio's projection away and build it again from the book.

        The portfolio is locked exclusively first and the book read after, so
        an event applied concurrently is either in what is read or applied
        after the rebuild commits — never erased.
        """
        async with self._uow_factory() as uow:
            store = uow.projection
            if not await store.lock_portfolios([portfolio_id], exclusive=True):
                return
            transactions = await history.portfolio_transactions(portfolio_id)
            splits = await self._catalog.get_splits(_stock_ids(transactions))
            await store.forget_portfolio(portfolio_id)
            for stock_id, stock_splits in splits.items():
                for split in stock_splits:
                    await store.store_split(stock_id, split)
            cash = await store.store_transactions(transactions)
            await _replay(store, {(portfolio_id, s) for s in _stock_ids(transactions)})
            await store.add_cash(portfolio_id, cash.get(portfolio_id, Decimal(0)))
            await uow.commit()

    async def differences(self, portfolio_id: UUID, history: TransactionHistory) -> list[str]:
        """Where the stored projection differs from a replay of the book (empty: it agrees)."""
        transactions = await history.portfolio_transactions(portfolio_id)
        splits = await self._catalog.get_splits(_stock_ids(transactions))
        entries: defaultdict[UUID, list[PositionEntry]] = defaultdict(list)
        for data in transactions:
            entry = position_entry(data)
            if entry is not None and data.stock_id is not None:
                entries[data.stock_id].append(entry)
        expected = {
            stock_id: _figures(
                stock_id,
                stock_entries,
                [
                    SplitEntry(s.effective_date, s.numerator, s.denominator)
                    for s in splits.get(stock_id, [])
                ],
            )
            for stock_id, stock_entries in entries.items()
        }
        stored = {f.stock_id: f for f in await self._reader.holdings(portfolio_id)}
        problems = [
            f"stock {stock_id}: stored {stored.get(stock_id)}, "
            f"replay gives {expected.get(stock_id)}"
            for stock_id in sorted(set(expected) | set(stored))
            if stored.get(stock_id) != expected.get(stock_id)
        ]
        live = [t for t in transactions if t.voided_at is None]
        expected_cash = cash_balance(
            CashEntry(CashKind(t.type), t.amount, t.fee, t.tax) for t in live
        )
        stored_cash = await self._reader.cash_balance(portfolio_id)
        if stored_cash != expected_cash:
            problems.append(f"cash: stored {stored_cash}, replay gives {expected_cash}")
        return problems


def _stock_ids(transactions: Sequence[TransactionData]) -> list[UUID]:
    return sorted({t.stock_id for t in transactions if t.stock_id is not None})


def _figures(
    stock_id: UUID, entries: Sequence[PositionEntry], splits: Sequence[SplitEntry]
) -> HoldingFigures:
    state = replay_position(entries, splits)
    return HoldingFigures(
        stock_id=stock_id,
        quantity=state.quantity,
        fifo_cost_basis=state.fifo_cost_basis,
        fifo_realized_gain=state.fifo_realized_gain,
        average_cost_basis=state.average_cost_basis,
        average_realized_gain=state.average_realized_gain,
        dividends=state.dividends,
        fees=state.fees,
        taxes=state.taxes,
    )


async def _replay(store: ProjectionStore, positions: set[Position]) -> None:
    ordered = sorted(positions)
    await store.lock_positions(ordered)
    for portfolio_id, stock_id in ordered:
        entries = await store.position_entries(portfolio_id, stock_id)
        state = replay_position(entries, await store.splits_of(stock_id)) if entries else None
        await store.save_holding(portfolio_id, stock_id, state)
