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
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from contexts.portfolio.application.ports import (
    HoldingFigures,
    PortfolioUnitOfWorkFactory,
    ProjectionReader,
    ProjectionStore,
    StoredCopies,
    StoredHolding,
)
from contexts.portfolio.domain.cash import CashEntry, CashKind, cash_balance
from contexts.portfolio.domain.position import (
    SIGNIFICANT_DIGITS,
    EntryKind,
    PositionEntry,
    PositionState,
    SplitEntry,
    fraction_to_decimal,
    replay_order,
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
            touched: set[Position] = {
                (data.portfolio_id, data.stock_id)
                for data in transactions
                if data.stock_id is not None
            }
            # A split changes what every stored holding of its stock says: each is
            # replayed, also where a transaction of this delivery would extend it.
            split_positions: set[Position] = set()
            for event in new:
                if isinstance(event, StockSplitRecorded):
                    split = SplitInfo(
                        event.split_id, event.effective_date, event.numerator, event.denominator
                    )
                    await store.store_split(event.stock_id, split)
                    holders = await store.portfolios_holding(event.stock_id)
                    split_positions |= {(portfolio_id, event.stock_id) for portfolio_id in holders}
            touched |= split_positions
            positions = sorted(touched)
            stored = await store.lock_holdings(positions)
            copies = await store.store_transactions(transactions)
            changed = {
                (data.portfolio_id, data.stock_id)
                for data in transactions
                if data.stock_id is not None and data.transaction_id in copies.voided
            }
            await _update_holdings(store, positions, stored, copies, changed | split_positions)
            await _add_cash(store, copies.cash)
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
            positions = [(portfolio_id, stock_id) for stock_id in _stock_ids(transactions)]
            await store.lock_holdings(positions)  # forgotten: they hold nothing now
            copies = await store.store_transactions(transactions)
            await _update_holdings(store, positions, dict.fromkeys(positions), copies, set())
            await store.add_cash(portfolio_id, copies.cash.get(portfolio_id, Decimal(0)))
            await uow.commit()

    async def portfolio_ids(self, history: TransactionHistory) -> list[UUID]:
        """Every portfolio to rebuild or check: those with transactions, and those the
        projection holds figures of (which, without transactions, must hold none)."""
        with_figures = await self._reader.projected_portfolio_ids()
        return sorted(with_figures.union(await history.portfolio_ids()))

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
            stock_id: _holding_figures(
                stock_id,
                replay_position(
                    stock_entries,
                    [
                        SplitEntry(s.effective_date, s.numerator, s.denominator)
                        for s in splits.get(stock_id, [])
                    ],
                ),
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


def _holding_figures(stock_id: UUID, state: PositionState) -> HoldingFigures:
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


async def _update_holdings(
    store: ProjectionStore,
    positions: Sequence[Position],
    stored: Mapping[Position, StoredHolding | None],
    copies: StoredCopies,
    replayed: set[Position],
) -> None:
    """Bring the locked positions' holdings up to date with ``copies``, just stored.

    A position is replayed from its whole history where that is needed: in
    ``replayed`` (a copy voided, a split recorded), or where the new entries do
    not simply extend the stored holding (``_extended``). A position with no
    stored holding had no live entry before: its new entries are its history.
    """
    added: defaultdict[Position, list[PositionEntry]] = defaultdict(list)
    for data in copies.live:
        entry = position_entry(data)
        if entry is not None and data.stock_id is not None:
            added[(data.portfolio_id, data.stock_id)].append(entry)
    splits = await store.splits_of(sorted({stock_id for _, stock_id in positions}))
    holdings: dict[Position, StoredHolding | None] = {}
    to_read: list[Position] = []
    for position in positions:
        holding = stored.get(position)
        stock_splits = splits.get(position[1], [])
        if position in replayed:
            to_read.append(position)
        elif holding is None:
            holdings[position] = _replayed(position, added[position], stock_splits)
        elif (
            extended := await _extended(store, position, holding, added[position], stock_splits)
        ) is not None:
            holdings[position] = extended
        else:
            to_read.append(position)
    histories = await store.position_entries(to_read) if to_read else {}
    for position in to_read:
        holdings[position] = _replayed(
            position, histories.get(position, []), splits.get(position[1], [])
        )
    await store.save_holdings(
        [holding for holding in holdings.values() if holding is not None],
        [position for position, holding in holdings.items() if holding is None],
    )


def _replayed(
    position: Position, entries: Sequence[PositionEntry], splits: Sequence[SplitEntry]
) -> StoredHolding | None:
    if not entries:
        return None
    state = replay_position(entries, splits)
    last = max(entries, key=replay_order)
    assert state.first_transaction_at is not None
    return StoredHolding(
        portfolio_id=position[0],
        figures=_holding_figures(position[1], state),
        first_transaction_at=state.first_transaction_at,
        last_entry=replay_order(last),
    )


async def _extended(
    store: ProjectionStore,
    position: Position,
    holding: StoredHolding,
    entries: Sequence[PositionEntry],
    splits: Sequence[SplitEntry],
) -> StoredHolding | None:
    """The holding with ``entries`` added, when that is what a replay would give;
    None when only a replay can tell.

    It is when no entry takes shares away (a BUY onto a position not short, a
    DIVIDEND, a FEE), each comes on or after every split's date, and the
    figures it adds to are exact (a figure rounded to ``SIGNIFICANT_DIGITS``
    is not); and each comes after the last entry the holding reflects, or the
    position has never had a live sale. Without sales, every figure an entry
    changes is a sum, whatever the order of the entries, so an entry that
    comes before others already added (concurrent requests commit in any
    order) is added too; after a sale, the sale's lots and average, and
    whether it left the position short, depend on what came before it.
    Realized gains do not change; sums are taken exactly (as fractions), so
    the figures are the replay's digit for digit.
    """
    figures = holding.figures
    if not entries or holding.last_entry is None or figures.quantity < 0:
        return None
    ordered = sorted(entries, key=replay_order)
    first = ordered[0]
    if any(e.kind is EntryKind.SELL for e in ordered):
        return None
    if any(split.effective_date > first.executed_on for split in splits):
        return None
    sums = [
        figures.quantity,
        figures.fifo_cost_basis,
        figures.average_cost_basis,
        figures.dividends,
        figures.fees,
        figures.taxes,
    ]
    if any(len(value.as_tuple().digits) >= SIGNIFICANT_DIGITS for value in sums):
        return None
    if replay_order(first) <= holding.last_entry and await store.has_live_sale(position):
        return None
    quantity, cost_basis, dividends, fees, taxes = (
        Fraction(figures.quantity),
        Fraction(figures.fifo_cost_basis),
        Fraction(figures.dividends),
        Fraction(figures.fees),
        Fraction(figures.taxes),
    )
    average_cost_basis = Fraction(figures.average_cost_basis)
    for entry in ordered:
        fee, tax = Fraction(entry.fee), Fraction(entry.tax)
        fees += fee
        taxes += tax
        if entry.kind is EntryKind.BUY:
            assert entry.quantity is not None
            cost = Fraction(entry.amount) + fee + tax
            quantity += Fraction(entry.quantity)
            cost_basis += cost
            average_cost_basis += cost
        elif entry.kind is EntryKind.DIVIDEND:
            dividends += Fraction(entry.amount)
        else:
            fees += Fraction(entry.amount)
    return StoredHolding(
        portfolio_id=holding.portfolio_id,
        figures=replace(
            figures,
            quantity=fraction_to_decimal(quantity),
            fifo_cost_basis=fraction_to_decimal(cost_basis),
            average_cost_basis=fraction_to_decimal(average_cost_basis),
            dividends=fraction_to_decimal(dividends),
            fees=fraction_to_decimal(fees),
            taxes=fraction_to_decimal(taxes),
        ),
        first_transaction_at=min(holding.first_transaction_at, first.executed_at),
        last_entry=max(holding.last_entry, replay_order(ordered[-1])),
    )


async def _add_cash(store: ProjectionStore, cash: Mapping[UUID, Decimal]) -> None:
    """Last, so that the portfolio's most contended row is held the shortest."""
    for portfolio_id in sorted(cash):
        if cash[portfolio_id]:
            await store.add_cash(portfolio_id, cash[portfolio_id])
