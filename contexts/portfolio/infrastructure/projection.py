"""SQL side of the holdings projection: the copies, the holdings and cash."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import String, bindparam, cast, delete, func, select, union, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.portfolio.application.ports import (
    HoldingFigures,
    OwnedHoldings,
    StoredCopies,
    StoredHolding,
)
from contexts.portfolio.domain.cash import CashEntry, CashKind
from contexts.portfolio.domain.position import EntryKind, PositionEntry, SplitEntry
from contexts.portfolio.infrastructure.tables import (
    cash_balances,
    holdings,
    portfolios,
    source_splits,
    source_transactions,
)
from contexts.stock.contracts import SplitInfo
from contexts.transaction.contracts import TransactionData
from shared_kernel.domain.money import EXACT
from shared_kernel.infrastructure.compiled_statements import (
    CompiledSelect,
    CompiledWrite,
    conflict_writes,
)
from shared_kernel.infrastructure.database import conflict_insert
from shared_kernel.infrastructure.value_lists import in_value_list

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


def _entry(row: Mapping[Any, Any]) -> PositionEntry:
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


def _figures(row: Mapping[Any, Any]) -> HoldingFigures:
    return HoldingFigures(
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


def _stored_holding(row: Mapping[Any, Any]) -> StoredHolding | None:
    if row["last_transaction_at"] is None:  # a placeholder: nothing stored
        return None
    known = row["last_recorded_at"] is not None and row["last_transaction_id"] is not None
    return StoredHolding(
        portfolio_id=row["portfolio_id"],
        figures=_figures(row),
        first_transaction_at=row["first_transaction_at"],
        last_entry=(row["last_transaction_at"], row["last_recorded_at"], row["last_transaction_id"])
        if known
        else None,
    )


def _holding_values(holding: StoredHolding) -> dict[str, Any]:
    executed_at, recorded_at, transaction_id = holding.last_entry or (None, None, None)
    return {
        "holding_portfolio": holding.portfolio_id,
        "holding_stock": holding.figures.stock_id,
        **{name: getattr(holding.figures, name) for name in _FIGURES},
        "first_transaction_at": holding.first_transaction_at,
        "last_transaction_at": executed_at,
        "last_recorded_at": recorded_at,
        "last_transaction_id": transaction_id,
    }


def _split(row: Mapping[Any, Any]) -> SplitEntry:
    return SplitEntry(
        effective_date=row["effective_date"],
        numerator=row["numerator"],
        denominator=row["denominator"],
    )


_OWNED_HOLDINGS = CompiledSelect(
    select(
        portfolios.c.currency,
        # Exact decimals as text on both databases, read by ``Decimal``: cheaper than
        # SQLAlchemy's per-row type processing (SQLite) and the driver's NUMERIC
        # decoding (asyncpg), and the same values.
        cast(cash_balances.c.balance, String),
        holdings.c.stock_id,
        *(cast(holdings.c[name], String) for name in _FIGURES),
    )
    .select_from(
        portfolios.outerjoin(
            cash_balances, cash_balances.c.portfolio_id == portfolios.c.id
        ).outerjoin(holdings, holdings.c.portfolio_id == portfolios.c.id)
    )
    .where(
        portfolios.c.id == bindparam("portfolio_id"),
        portfolios.c.owner_id == bindparam("owner_id"),
    )
)
"""Compiled once: one row per holding, or one without a holding for a portfolio with none."""


def _live_position_entries() -> Any:
    return select(source_transactions).where(
        source_transactions.c.voided_at.is_(None),
        source_transactions.c.type.in_(_POSITION_KINDS),
        source_transactions.c.stock_id.is_not(None),
    )


# Statements run for every delivery, built once (their compiled form is cached by statement).
_PORTFOLIOS_IN_ORDER = (
    select(portfolios.c.id).where(in_value_list(portfolios.c.id, "ids")).order_by(portfolios.c.id)
)
_LOCK_PORTFOLIOS_SHARED = CompiledWrite(_PORTFOLIOS_IN_ORDER.with_for_update(read=True))
_LOCK_PORTFOLIOS_EXCLUSIVE = CompiledWrite(_PORTFOLIOS_IN_ORDER.with_for_update())
_STORED_COPIES = CompiledWrite(
    select(source_transactions.c.transaction_id, source_transactions.c.voided_at).where(
        in_value_list(source_transactions.c.transaction_id, "ids")
    )
)
_INSERT_COPY = CompiledWrite.insert_into(source_transactions)
_VOID_COPY = CompiledWrite(
    update(source_transactions)
    .where(source_transactions.c.transaction_id == bindparam("copy_id"))
    .values(voided_at=bindparam("voided"))
)
_POSITION_ENTRIES = _live_position_entries().where(
    source_transactions.c.portfolio_id == bindparam("portfolio_id"),
    in_value_list(source_transactions.c.stock_id, "stock_ids"),
)
_LIVE_SALE = CompiledWrite(
    select(source_transactions.c.transaction_id)
    .where(
        source_transactions.c.portfolio_id == bindparam("portfolio_id"),
        source_transactions.c.stock_id == bindparam("stock_id"),
        source_transactions.c.type == "SELL",
        source_transactions.c.voided_at.is_(None),
    )
    .limit(1)
)
_SPLITS_OF = select(source_splits).where(in_value_list(source_splits.c.stock_id, "stock_ids"))
_STORED_SPLITS_OF = CompiledWrite(_SPLITS_OF)
# An update that changes nothing: it locks the holding's row, made a placeholder first
# where there is none, and returns it, in one statement.
_LOCK_HOLDING = conflict_writes(
    lambda insert: (
        insert(holdings)
        .on_conflict_do_update(
            index_elements=[holdings.c.portfolio_id, holdings.c.stock_id],
            set_={"quantity": holdings.c.quantity},
        )
        .returning(*holdings.c)
    )
)
_PLACEHOLDER_HOLDING: dict[str, Any] = {
    **dict.fromkeys(_FIGURES, _ZERO),
    **dict.fromkeys(
        ("first_transaction_at", "last_transaction_at", "last_recorded_at", "last_transaction_id")
    ),
}
_HOLDING = (
    holdings.c.portfolio_id == bindparam("holding_portfolio"),
    holdings.c.stock_id == bindparam("holding_stock"),
)
_DELETE_HOLDING = CompiledWrite(delete(holdings).where(*_HOLDING))
_SAVE_HOLDING = CompiledWrite(
    update(holdings)
    .where(*_HOLDING)
    .values(
        {
            name: bindparam(name)
            for name in (
                *_FIGURES,
                "first_transaction_at",
                "last_transaction_at",
                "last_recorded_at",
                "last_transaction_id",
            )
        }
    )
)

_ADD_CASH_IN_THE_DATABASE = CompiledWrite(
    pg_insert(cash_balances)
    .values(portfolio_id=bindparam("portfolio_id"), balance=bindparam("delta"))
    .on_conflict_do_update(
        index_elements=[cash_balances.c.portfolio_id],
        set_={"balance": cash_balances.c.balance + bindparam("delta")},
    )
)
"""PostgreSQL only (SQLite's decimals are text)."""


class SqlProjectionStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def lock_portfolios(self, portfolio_ids: Sequence[UUID], *, exclusive: bool) -> set[UUID]:
        if not portfolio_ids:
            return set()
        lock = _LOCK_PORTFOLIOS_EXCLUSIVE if exclusive else _LOCK_PORTFOLIOS_SHARED
        rows = await lock.fetch_all(self._connection, {"ids": list(portfolio_ids)})
        return {row["id"] for row in rows}

    async def store_transactions(self, transactions: Sequence[TransactionData]) -> StoredCopies:
        ids = list({data.transaction_id for data in transactions})
        voided_at: dict[UUID, datetime | None] = {}
        if ids:
            rows = await _STORED_COPIES.fetch_all(self._connection, {"ids": ids})
            voided_at = {row["transaction_id"]: row["voided_at"] for row in rows}
        new_copies: list[TransactionData] = []
        newly_voided: dict[UUID, datetime] = {}
        cash: defaultdict[UUID, Decimal] = defaultdict(Decimal)
        for data in transactions:
            if data.transaction_id not in voided_at:
                new_copies.append(data)
                voided_at[data.transaction_id] = data.voided_at
                if data.voided_at is None:
                    cash[data.portfolio_id] = EXACT.add(cash[data.portfolio_id], _cash_effect(data))
            elif voided_at[data.transaction_id] is None and data.voided_at is not None:
                newly_voided[data.transaction_id] = data.voided_at
                voided_at[data.transaction_id] = data.voided_at
                cash[data.portfolio_id] = EXACT.subtract(
                    cash[data.portfolio_id], _cash_effect(data)
                )
        if new_copies:
            await _INSERT_COPY.execute_many(self._connection, [_copy(data) for data in new_copies])
        if newly_voided:
            await _VOID_COPY.execute_many(
                self._connection,
                [{"copy_id": copy_id, "voided": at} for copy_id, at in newly_voided.items()],
            )
        return StoredCopies(
            cash=dict(cash),
            # a copy voided later in the same batch is not live
            live=[
                data
                for data in new_copies
                if data.voided_at is None and data.transaction_id not in newly_voided
            ],
            voided=set(newly_voided),
        )

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

    async def lock_holdings(
        self, positions: Sequence[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], StoredHolding | None]:
        lock = _LOCK_HOLDING[self._connection.dialect.name]
        found: dict[tuple[UUID, UUID], StoredHolding | None] = {}
        for portfolio_id, stock_id in positions:  # in order: two lockers cannot deadlock
            (row,) = await lock.fetch_all(
                self._connection,
                {**_PLACEHOLDER_HOLDING, "portfolio_id": portfolio_id, "stock_id": stock_id},
            )
            found[(portfolio_id, stock_id)] = _stored_holding(row)
        return found

    async def position_entries(
        self, positions: Sequence[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], list[PositionEntry]]:
        stocks_by_portfolio: defaultdict[UUID, list[UUID]] = defaultdict(list)
        for portfolio_id, stock_id in positions:
            stocks_by_portfolio[portfolio_id].append(stock_id)
        found: defaultdict[tuple[UUID, UUID], list[PositionEntry]] = defaultdict(list)
        for portfolio_id, stock_ids in stocks_by_portfolio.items():
            rows = await self._connection.execute(
                _POSITION_ENTRIES, {"portfolio_id": portfolio_id, "stock_ids": stock_ids}
            )
            for row in rows.mappings():
                found[(portfolio_id, row["stock_id"])].append(_entry(row))
        return dict(found)

    async def has_live_sale(self, position: tuple[UUID, UUID]) -> bool:
        sales = await _LIVE_SALE.fetch_all(
            self._connection, {"portfolio_id": position[0], "stock_id": position[1]}
        )
        return bool(sales)

    async def splits_of(self, stock_ids: Sequence[UUID]) -> dict[UUID, list[SplitEntry]]:
        found: defaultdict[UUID, list[SplitEntry]] = defaultdict(list)
        rows = await _STORED_SPLITS_OF.fetch_all(
            self._connection, {"stock_ids": sorted(set(stock_ids))}
        )
        for row in rows:
            found[row["stock_id"]].append(_split(row))
        return dict(found)

    async def save_holdings(
        self, saved: Sequence[StoredHolding], emptied: Sequence[tuple[UUID, UUID]]
    ) -> None:
        if emptied:
            await _DELETE_HOLDING.execute_many(
                self._connection,
                [
                    {"holding_portfolio": portfolio_id, "holding_stock": stock_id}
                    for portfolio_id, stock_id in emptied
                ],
            )
        if saved:
            await _SAVE_HOLDING.execute_many(self._connection, [_holding_values(h) for h in saved])

    async def add_cash(self, portfolio_id: UUID, delta: Decimal) -> None:
        if self._connection.dialect.name == "postgresql":
            # NUMERIC adds exactly in the database: one statement, the row locked last and briefly
            await _ADD_CASH_IN_THE_DATABASE.execute(
                self._connection, {"portfolio_id": portfolio_id, "delta": delta}
            )
            return
        # SQLite keeps decimals as text (its arithmetic would round): add them here
        # (its writers hold the database one at a time, so nothing changes in between).
        balance = await self._connection.scalar(
            select(cash_balances.c.balance).where(cash_balances.c.portfolio_id == portfolio_id)
        )
        new_balance = EXACT.add(balance or _ZERO, delta)
        await self._connection.execute(
            conflict_insert(self._connection, cash_balances)
            .values(portfolio_id=portfolio_id, balance=new_balance)
            .on_conflict_do_update(
                index_elements=[cash_balances.c.portfolio_id], set_={"balance": new_balance}
            )
        )

    async def forget_portfolio(self, portfolio_id: UUID) -> None:
        for table in (source_transactions, holdings, cash_balances):
            await self._connection.execute(
                delete(table).where(table.c.portfolio_id == portfolio_id)
            )


class SqlProjectionReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def owned_holdings(self, portfolio_id: UUID, owner_id: UUID) -> OwnedHoldings | None:
        rows = await _OWNED_HOLDINGS.fetch_all(
            self._engine, {"portfolio_id": portfolio_id, "owner_id": owner_id}
        )
        if not rows:
            return None
        currency, balance = rows[0]["currency"], rows[0]["balance"]
        figures = [
            HoldingFigures(row["stock_id"], *(Decimal(row[name]) for name in _FIGURES))
            for row in rows
            if row["stock_id"] is not None
        ]
        return OwnedHoldings(currency, figures, Decimal(balance) if balance is not None else _ZERO)

    async def holdings(self, portfolio_id: UUID) -> list[HoldingFigures]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                select(holdings).where(holdings.c.portfolio_id == portfolio_id)
            )
            return [_figures(row) for row in rows.mappings()]

    async def cash_balance(self, portfolio_id: UUID) -> Decimal:
        async with self._engine.connect() as connection:
            balance = await connection.scalar(
                select(cash_balances.c.balance).where(cash_balances.c.portfolio_id == portfolio_id)
            )
        return balance if balance is not None else _ZERO

    async def projected_portfolio_ids(self) -> set[UUID]:
        query = union(select(holdings.c.portfolio_id), select(cash_balances.c.portfolio_id))
        async with self._engine.connect() as connection:
            return set((await connection.execute(query)).scalars())

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
                await connection.execute(_SPLITS_OF, {"stock_ids": list(entries)})
            ).mappings()
            splits: defaultdict[UUID, list[SplitEntry]] = defaultdict(list)
            for row in split_rows:
                splits[row["stock_id"]].append(_split(row))
        return {stock_id: (entries[stock_id], splits[stock_id]) for stock_id in entries}
