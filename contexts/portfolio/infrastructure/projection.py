"""SQL side of the holdings projection: the copies, the holdings and cash."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.portfolio.application.ports import HoldingFigures
from contexts.portfolio.domain.cash import CashEntry, CashKind
from contexts.portfolio.domain.position import EntryKind, PositionEntry, PositionState, SplitEntry
from contexts.portfolio.infrastructure.tables import (
    cash_balances,
    holdings,
    portfolios,
    source_splits,
    source_transactions,
)
from contexts.stock.contracts import SplitInfo
from contexts.transaction.contracts import TransactionData
from shared_kernel.infrastructure.database import conflict_insert

_POSITION_KINDS = [kind.value for kind in EntryKind]
_FIGURES = (
    "quantity",
    "fifo_cost_basis",
    "fifo_realized_gain",
    "average_cost_basis",
    "average_realized_gain",
    "dividends",
    "fees",
    "taxes",
)
_ZERO = Decimal(0)
_CHUNK = 500
"""Ids per IN list (SQLite caps the parameters of one statement)."""


def _cash_effect(data: TransactionData) -> Decimal:
    return CashEntry(CashKind(data.type), data.amount, data.fee, data.tax).cash_effect


def _copy(data: TransactionData) -> dict[str, Any]:
    return {
        "transaction_id": data.transaction_id,
        "portfolio_id": data.portfolio_id,
        "type": data.type,
        "stock_id": data.stock_id,
        "quantity": data.quantity,
        "price": data.price,
        "amount": data.amount,
        "fee": data.fee,
        "tax": data.tax,
        "executed_at": data.executed_at,
        "recorded_at": data.recorded_at,
        "voided_at": data.voided_at,
    }


def _entry(row: RowMapping) -> PositionEntry:
    return PositionEntry(
        transaction_id=row["transaction_id"],
        kind=EntryKind(row["type"]),
        executed_at=row["executed_at"],
        recorded_at=row["recorded_at"],
        quantity=row["quantity"],
        price=row["price"],
        amount=row["amount"],
        fee=row["fee"],
        tax=row["tax"],
    )


def _split(row: RowMapping) -> SplitEntry:
    return SplitEntry(
        effective_date=row["effective_date"],
        numerator=row["numerator"],
        denominator=row["denominator"],
    )


def _live_position_entries() -> Any:
    return select(source_transactions).where(
        source_transactions.c.voided_at.is_(None),
        source_transactions.c.type.in_(_POSITION_KINDS),
        source_transactions.c.stock_id.is_not(None),
    )


class SqlProjectionStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def lock_portfolios(self, portfolio_ids: Sequence[UUID], *, exclusive: bool) -> set[UUID]:
        if not portfolio_ids:
            return set()
        rows = await self._connection.execute(
            select(portfolios.c.id)
            .where(portfolios.c.id.in_(list(portfolio_ids)))
            .order_by(portfolios.c.id)
            .with_for_update(read=not exclusive)
        )
        return set(rows.scalars())

    async def store_transactions(
        self, transactions: Sequence[TransactionData]
    ) -> dict[UUID, Decimal]:
        t = source_transactions
        ids = list({data.transaction_id for data in transactions})
        voided_at: dict[UUID, datetime | None] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = await self._connection.execute(
                select(t.c.transaction_id, t.c.voided_at).where(
                    t.c.transaction_id.in_(ids[start : start + _CHUNK])
                )
            )
            voided_at.update({row.transaction_id: row.voided_at for row in rows})
        new_copies: list[dict[str, Any]] = []
        newly_voided: list[dict[str, Any]] = []
        cash: defaultdict[UUID, Decimal] = defaultdict(Decimal)
        for data in transactions:
            if data.transaction_id not in voided_at:
                new_copies.append(_copy(data))
                voided_at[data.transaction_id] = data.voided_at
                if data.voided_at is None:
                    cash[data.portfolio_id] += _cash_effect(data)
            elif voided_at[data.transaction_id] is None and data.voided_at is not None:
                newly_voided.append({"copy_id": data.transaction_id, "voided": data.voided_at})
                voided_at[data.transaction_id] = data.voided_at
                cash[data.portfolio_id] -= _cash_effect(data)
        if new_copies:
            await self._connection.execute(insert(t), new_copies)
        if newly_voided:
            await self._connection.execute(
                update(t)
                .where(t.c.transaction_id == bindparam("copy_id"))
                .values(voided_at=bindparam("voided")),
                newly_voided,
            )
        return dict(cash)

    async def store_split(self, stock_id: UUID, split: SplitInfo) -> None:
        await self._connection.execute(
            conflict_insert(self._connection, source_splits)
            .values(
                split_id=split.split_id,
                stock_id=stock_id,
                effective_date=split.effective_date,
                numerator=split.numerator,
                denominator=split.denominator,
            )
            .on_conflict_do_nothing()
        )

    async def portfolios_holding(self, stock_id: UUID) -> list[UUID]:
        rows = await self._connection.execute(
            select(source_transactions.c.portfolio_id)
            .where(source_transactions.c.stock_id == stock_id)
            .distinct()
        )
        return list(rows.scalars())

    async def lock_positions(self, positions: Sequence[tuple[UUID, UUID]]) -> None:
        if not positions:
            return
        placeholder = dict.fromkeys(_FIGURES, _ZERO)
        for portfolio_id, stock_id in positions:
            await self._connection.execute(
                conflict_insert(self._connection, holdings)
                .values(portfolio_id=portfolio_id, stock_id=stock_id, **placeholder)
                .on_conflict_do_nothing()
            )
        await self._connection.execute(
            select(holdings.c.portfolio_id)
            .where(tuple_(holdings.c.portfolio_id, holdings.c.stock_id).in_(list(positions)))
            .order_by(holdings.c.portfolio_id, holdings.c.stock_id)
            .with_for_update()
        )

    async def position_entries(self, portfolio_id: UUID, stock_id: UUID) -> list[PositionEntry]:
        rows = await self._connection.execute(
            _live_position_entries().where(
                source_transactions.c.portfolio_id == portfolio_id,
                source_transactions.c.stock_id == stock_id,
            )
        )
        return [_entry(row) for row in rows.mappings()]

    async def splits_of(self, stock_id: UUID) -> list[SplitEntry]:
        rows = await self._connection.execute(
            select(source_splits).where(source_splits.c.stock_id == stock_id)
        )
        return [_split(row) for row in rows.mappings()]

    async def save_holding(
        self, portfolio_id: UUID, stock_id: UUID, state: PositionState | None
    ) -> None:
        where = (holdings.c.portfolio_id == portfolio_id, holdings.c.stock_id == stock_id)
        if state is None:
            await self._connection.execute(delete(holdings).where(*where))
            return
        await self._connection.execute(
            update(holdings)
            .where(*where)
            .values(
                quantity=state.quantity,
                fifo_cost_basis=state.fifo_cost_basis,
                fifo_realized_gain=state.fifo_realized_gain,
                average_cost_basis=state.average_cost_basis,
                average_realized_gain=state.average_realized_gain,
                dividends=state.dividends,
                fees=state.fees,
                taxes=state.taxes,
                first_transaction_at=state.first_transaction_at,
                last_transaction_at=state.last_transaction_at,
            )
        )

    async def add_cash(self, portfolio_id: UUID, delta: Decimal) -> None:
        await self._connection.execute(
            conflict_insert(self._connection, cash_balances)
            .values(portfolio_id=portfolio_id, balance=_ZERO)
            .on_conflict_do_nothing()
        )
        balance = await self._connection.scalar(
            select(cash_balances.c.balance)
            .where(cash_balances.c.portfolio_id == portfolio_id)
            .with_for_update()
        )
        await self._connection.execute(
            update(cash_balances)
            .where(cash_balances.c.portfolio_id == portfolio_id)
            .values(balance=(balance or _ZERO) + delta)
        )

    async def forget_portfolio(self, portfolio_id: UUID) -> None:
        for table in (source_transactions, holdings, cash_balances):
            await self._connection.execute(
                delete(table).where(table.c.portfolio_id == portfolio_id)
            )


class SqlProjectionReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def holdings(self, portfolio_id: UUID) -> list[HoldingFigures]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(holdings).where(holdings.c.portfolio_id == portfolio_id)
            )
            return [
                HoldingFigures(
                    stock_id=row["stock_id"],
                    quantity=row["quantity"],
                    fifo_cost_basis=row["fifo_cost_basis"],
                    fifo_realized_gain=row["fifo_realized_gain"],
                    average_cost_basis=row["average_cost_basis"],
                    average_realized_gain=row["average_realized_gain"],
                    dividends=row["dividends"],
                    fees=row["fees"],
                    taxes=row["taxes"],
                )
                for row in rows.mappings()
            ]

    async def cash_balance(self, portfolio_id: UUID) -> Decimal:
        async with self._engine.connect() as connection:
            balance = await connection.scalar(
                select(cash_balances.c.balance).where(cash_balances.c.portfolio_id == portfolio_id)
            )
        return balance if balance is not None else _ZERO

    async def first_executed_at(self, portfolio_id: UUID) -> datetime | None:
        t = source_transactions
        async with self._engine.connect() as connection:
            first: datetime | None = await connection.scalar(
                select(func.min(t.c.executed_at)).where(
                    t.c.portfolio_id == portfolio_id, t.c.voided_at.is_(None)
                )
            )
        return first

    async def histories(
        self, portfolio_id: UUID
    ) -> dict[UUID, tuple[list[PositionEntry], list[SplitEntry]]]:
        async with self._engine.connect() as connection:
            entry_rows = (
                await connection.execute(
                    _live_position_entries().where(
                        source_transactions.c.portfolio_id == portfolio_id
                    )
                )
            ).mappings()
            entries: defaultdict[UUID, list[PositionEntry]] = defaultdict(list)
            for row in entry_rows:
                entries[row["stock_id"]].append(_entry(row))
            split_rows = (
                await connection.execute(
                    select(source_splits).where(source_splits.c.stock_id.in_(list(entries)))
                )
            ).mappings()
            splits: defaultdict[UUID, list[SplitEntry]] = defaultdict(list)
            for row in split_rows:
                splits[row["stock_id"]].append(_split(row))
        return {stock_id: (entries[stock_id], splits[stock_id]) for stock_id in entries}
