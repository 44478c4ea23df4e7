"""SQL repositories, reader and history facade of the transaction context."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.transaction.application.idempotency import ABANDONED_AFTER, KEY_RETENTION
from contexts.transaction.application.ports import (
    Claim,
    KeyUnavailable,
    NewClaim,
    Replay,
    StoredResponse,
    TransactionFilter,
)
from contexts.transaction.contracts import TransactionData
from contexts.transaction.domain.ledger import LedgerEntry
from contexts.transaction.domain.transaction import Transaction, TransactionType
from contexts.transaction.infrastructure.tables import (
    books,
    idempotency_keys,
    positions,
    transactions,
)
from shared_kernel.application.pagination import Page, PageRequest
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.infrastructure.compiled_statements import CompiledWrite, conflict_writes
from shared_kernel.infrastructure.database import (
    conflict_insert,
    one_statement_write,
    read_snapshot,
)
from shared_kernel.infrastructure.keyset import KeysetOrder
from shared_kernel.infrastructure.value_lists import in_value_list

_NEWEST_FIRST = KeysetOrder(transactions.c.executed_at, transactions.c.id, descending=True)
_LEDGER_ORDER = KeysetOrder(
    transactions.c.executed_at, transactions.c.recorded_at, transactions.c.id
)
"""Oldest first, as the ledger replays them (``LedgerEntry.order``): a buy and a sale
at the same instant must come out, and be imported again, in the order recorded."""
EXPORT_BATCH = 1000
_BUY = TransactionType.BUY.value

# Statements run per write, compiled once and run on the driver.
_INSERT_TRANSACTION = CompiledWrite.insert_into(transactions)
# The live BUY and SELL rows as the ledger reads them (``_ledger_entry``).
_LEDGER_ENTRIES = select(
    transactions.c.id,
    transactions.c.portfolio_id,
    transactions.c.stock_id,
    transactions.c.type,
    transactions.c.quantity,
    transactions.c.executed_at,
    transactions.c.recorded_at,
).where(
    transactions.c.type.in_([_BUY, TransactionType.SELL.value]),
    transactions.c.voided_at.is_(None),
)
_POSITION_ENTRIES = _LEDGER_ENTRIES.where(
    transactions.c.portfolio_id == bindparam("portfolio_id"),
    in_value_list(transactions.c.stock_id, "stock_ids"),
)
_LIVE_BY_EXTERNAL_ID = select(transactions).where(
    transactions.c.portfolio_id == bindparam("portfolio_id"),
    in_value_list(transactions.c.external_id, "external_ids"),
    transactions.c.voided_at.is_(None),
)
_CLAIM = conflict_writes(lambda insert: insert(idempotency_keys).on_conflict_do_nothing())
# A position's row, made on its first sale: writing it takes the position's lock.
_LOCK_POSITION = conflict_writes(
    lambda insert: insert(positions).on_conflict_do_update(
        index_elements=[positions.c.portfolio_id, positions.c.stock_id],
        set_={"version": positions.c.version + 1},
    )
)
_COMPLETE_CLAIM = CompiledWrite(
    update(idempotency_keys)
    .where(
        idempotency_keys.c.owner_id == bindparam("claim_owner"),
        idempotency_keys.c.key == bindparam("claim_key"),
        idempotency_keys.c.claimed_at == bindparam("claim_made_at"),
        idempotency_keys.c.response_status.is_(None),
    )
    .values(
        response_status=bindparam("response_status"),
        response_body=bindparam("response_body"),
        response_location=bindparam("response_location"),
    )
)
_LOCK_BOOK_SHARED = CompiledWrite(
    select(books.c.closed_at)
    .where(books.c.portfolio_id == bindparam("portfolio_id"))
    .with_for_update(read=True)
)
_LOCK_BOOK_EXCLUSIVE = CompiledWrite(
    select(books.c.closed_at)
    .where(books.c.portfolio_id == bindparam("portfolio_id"))
    .with_for_update()
)


def _transaction(row: RowMapping) -> Transaction:
    return Transaction(
        id=row["id"],
        portfolio_id=row["portfolio_id"],
        owner_id=row["owner_id"],
        type=TransactionType(row["type"]),
        stock_id=row["stock_id"],
        symbol=row["symbol"],
        quantity=row["quantity"],
        price=row["price"],
        amount=row["amount"],
        fee=row["fee"],
        tax=row["tax"],
        currency=row["currency"],
        executed_at=row["executed_at"],
        notes=row["notes"],
        external_id=row["external_id"],
        recorded_at=row["recorded_at"],
        voided_at=row["voided_at"],
    )


def _values(transaction: Transaction) -> dict[str, Any]:
    return {
        "id": transaction.id,
        "portfolio_id": transaction.portfolio_id,
        "owner_id": transaction.owner_id,
        "type": transaction.type.value,
        "stock_id": transaction.stock_id,
        "symbol": transaction.symbol,
        "quantity": transaction.quantity,
        "price": transaction.price,
        "amount": transaction.amount,
        "fee": transaction.fee,
        "tax": transaction.tax,
        "currency": transaction.currency,
        "executed_at": transaction.executed_at,
        "notes": transaction.notes,
        "external_id": transaction.external_id,
        "recorded_at": transaction.recorded_at,
        "voided_at": transaction.voided_at,
    }


class SqlTransactionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add_all(self, new: Sequence[Transaction]) -> None:
        if not new:
            return
        try:
            # A refusal rolls the whole unit of work back: no savepoint is needed.
            await _INSERT_TRANSACTION.execute_many(self._connection, [_values(t) for t in new])
        except IntegrityError:
            raise InvalidInput.for_field(
                "external_id", "is already used by another transaction of this portfolio"
            ) from None

    async def get(self, transaction_id: UUID, owner_id: UUID) -> Transaction | None:
        row = (
            (
                await self._connection.execute(
                    select(transactions).where(
                        transactions.c.id == transaction_id, transactions.c.owner_id == owner_id
                    )
                )
            )
            .mappings()
            .first()
        )
        return _transaction(row) if row else None

    async def mark_voided(self, transaction: Transaction) -> bool:
        result = await self._connection.execute(
            update(transactions)
            .where(transactions.c.id == transaction.id, transactions.c.voided_at.is_(None))
            .values(voided_at=transaction.voided_at)
        )
        return result.rowcount == 1

    async def position_entries(
        self, portfolio_id: UUID, stock_ids: Sequence[UUID]
    ) -> dict[UUID, list[LedgerEntry]]:
        found: defaultdict[UUID, list[LedgerEntry]] = defaultdict(list)
        rows = await self._connection.execute(
            _POSITION_ENTRIES, {"portfolio_id": portfolio_id, "stock_ids": stock_ids}
        )
        for row in rows:
            found[row.stock_id].append(_ledger_entry(row))
        return dict(found)

    async def live_by_external_id(
        self, portfolio_id: UUID, external_ids: Sequence[str]
    ) -> dict[str, Transaction]:
        if not external_ids:
            return {}
        rows = await self._connection.execute(
            _LIVE_BY_EXTERNAL_ID,
            {"portfolio_id": portfolio_id, "external_ids": sorted(set(external_ids))},
        )
        return {row["external_id"]: _transaction(row) for row in rows.mappings()}

    async def delete_portfolio(self, portfolio_id: UUID) -> None:
        await self._connection.execute(
            delete(transactions).where(transactions.c.portfolio_id == portfolio_id)
        )
        await self._connection.execute(
            delete(positions).where(positions.c.portfolio_id == portfolio_id)
        )


class SqlBookLocks:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def _lock_book(self, portfolio_id: UUID, *, exclusive: bool) -> datetime | None:
        lock = _LOCK_BOOK_EXCLUSIVE if exclusive else _LOCK_BOOK_SHARED
        found = await lock.fetch_all(self._connection, {"portfolio_id": portfolio_id})
        if not found:  # the portfolio's first write: its book row is made once
            await self._connection.execute(
                conflict_insert(self._connection, books)
                .values(portfolio_id=portfolio_id)
                .on_conflict_do_nothing()
            )
            found = await lock.fetch_all(self._connection, {"portfolio_id": portfolio_id})
        (book,) = found
        closed_at: datetime | None = book["closed_at"]
        return closed_at

    async def enter_book(self, portfolio_id: UUID, *, exclusive: bool) -> bool:
        return await self._lock_book(portfolio_id, exclusive=exclusive) is None

    async def close_book(self, portfolio_id: UUID, now: datetime) -> None:
        if await self._lock_book(portfolio_id, exclusive=True) is None:
            await self._connection.execute(
                update(books).where(books.c.portfolio_id == portfolio_id).values(closed_at=now)
            )

    async def lock_positions(self, portfolio_id: UUID, stock_ids: Sequence[UUID]) -> None:
        lock = _LOCK_POSITION[self._connection.dialect.name]
        for stock_id in sorted(stock_ids):
            await lock.execute(
                self._connection, {"portfolio_id": portfolio_id, "stock_id": stock_id, "version": 1}
            )


class UnsafeSqlBookLocks(SqlBookLocks):
    """UNSAFE, TEST ONLY: the naive ledger, which takes no position locks.

    Two sales racing for the last shares each read the position before the other
    wrote, and both succeed (on PostgreSQL; SQLite's single writer still
    serialises them). It exists so that the reliability tests can prove they
    catch such a strategy; only ``STOCKBOOK_TEST_UNSAFE_LEDGER=1`` outside
    production selects it.
    """

    async def lock_positions(self, portfolio_id: UUID, stock_ids: Sequence[UUID]) -> None:
        return None


def _new_claim(
    owner_id: UUID, key: str, fingerprint: str, portfolio_id: UUID, now: datetime
) -> dict[str, Any]:
    """The row of a key claimed now, not answered yet."""
    return {
        "owner_id": owner_id,
        "key": key,
        "portfolio_id": portfolio_id,
        "fingerprint": fingerprint,
        "claimed_at": now,
        "expires_at": now + KEY_RETENTION,
        "response_status": None,
        "response_body": None,
        "response_location": None,
    }


class SqlKeyShortcuts:
    """``KeyShortcuts``: each one statement in autocommit, without a unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim_new(
        self, owner_id: UUID, key: str, fingerprint: str, portfolio_id: UUID, now: datetime
    ) -> bool:
        claim = _new_claim(owner_id, key, fingerprint, portfolio_id, now)
        async with one_statement_write(self._engine) as connection:
            return await _CLAIM[connection.dialect.name].execute(connection, claim) == 1

    async def stored_answer(
        self, owner_id: UUID, key: str, fingerprint: str, now: datetime
    ) -> StoredResponse | None:
        t = idempotency_keys
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(t.c.response_status, t.c.response_body, t.c.response_location).where(
                        t.c.owner_id == owner_id,
                        t.c.key == key,
                        t.c.fingerprint == fingerprint,
                        t.c.expires_at > now,
                        t.c.response_status.is_not(None),
                    )
                )
            ).first()
        if row is None:
            return None
        return StoredResponse(status=row[0], body=row[1], location=row[2])


class SqlIdempotencyRecords:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def claim(
        self, owner_id: UUID, key: str, fingerprint: str, portfolio_id: UUID, now: datetime
    ) -> Claim:
        t = idempotency_keys
        claim = _new_claim(owner_id, key, fingerprint, portfolio_id, now)
        if await _CLAIM[self._connection.dialect.name].execute(self._connection, claim) == 1:
            return NewClaim(claimed_at=now)  # released since found held
        where = (t.c.owner_id == owner_id, t.c.key == key)
        row = (
            (await self._connection.execute(select(t).where(*where).with_for_update()))
            .mappings()
            .first()
        )
        if row is None:  # its claim was released meanwhile: the retry may claim it
            return KeyUnavailable.IN_USE
        if row["expires_at"] <= now:  # a use long forgotten: the key is free again
            await self._connection.execute(update(t).where(*where).values(**claim))
            return NewClaim(claimed_at=now)
        if row["fingerprint"] != fingerprint:
            return KeyUnavailable.REUSED
        if row["response_status"] is not None:
            return Replay(
                StoredResponse(
                    status=row["response_status"],
                    body=row["response_body"],
                    location=row["response_location"],
                )
            )
        if row["claimed_at"] <= now - ABANDONED_AFTER:
            # Thought abandoned; if its request was only slow, it finds its claim gone
            # when it completes, and records nothing.
            await self._connection.execute(update(t).where(*where).values(claimed_at=now))
            return NewClaim(claimed_at=now)
        return KeyUnavailable.IN_USE

    async def complete(
        self, owner_id: UUID, key: str, claimed_at: datetime, response: StoredResponse
    ) -> bool:
        completed = await _COMPLETE_CLAIM.execute(
            self._connection,
            {
                "claim_owner": owner_id,
                "claim_key": key,
                "claim_made_at": claimed_at,
                "response_status": response.status,
                "response_body": response.body,
                "response_location": response.location,
            },
        )
        return completed == 1

    async def release(self, owner_id: UUID, key: str, claimed_at: datetime) -> None:
        t = idempotency_keys
        await self._connection.execute(
            delete(t).where(
                t.c.owner_id == owner_id,
                t.c.key == key,
                t.c.claimed_at == claimed_at,
                t.c.response_status.is_(None),
            )
        )

    async def delete_portfolio(self, portfolio_id: UUID) -> None:
        await self._connection.execute(
            delete(idempotency_keys).where(idempotency_keys.c.portfolio_id == portfolio_id)
        )

    async def forget_expired(self, now: datetime) -> None:
        await self._connection.execute(
            delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now)
        )


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _ledger_entry(row: Any) -> LedgerEntry:
    return LedgerEntry(
        transaction_id=row.id,
        executed_at=row.executed_at,
        recorded_at=row.recorded_at,
        delta=row.quantity if row.type == _BUY else -row.quantity,
    )


class SqlTransactionReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, transaction_id: UUID, owner_id: UUID) -> Transaction | None:
        query = select(transactions).where(
            transactions.c.id == transaction_id, transactions.c.owner_id == owner_id
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return _transaction(row) if row else None

    async def search(
        self, transaction_filter: TransactionFilter, page: PageRequest
    ) -> Page[Transaction]:
        f = transaction_filter
        query: Select[Any] = select(transactions).where(
            transactions.c.portfolio_id == f.portfolio_id
        )
        if f.type is not None:
            query = query.where(transactions.c.type == f.type.value)
        if f.stock_id is not None:
            query = query.where(transactions.c.stock_id == f.stock_id)
        if f.first_date is not None:
            query = query.where(transactions.c.executed_at >= _day_start(f.first_date))
        if f.last_date is not None:
            # its last moment, not the next day's start: there is none after 9999-12-31
            last_moment = datetime.combine(f.last_date, time.max, tzinfo=UTC)
            query = query.where(transactions.c.executed_at <= last_moment)
        if not f.include_voided:
            query = query.where(transactions.c.voided_at.is_(None))
        if page.after is not None:
            query = query.where(_NEWEST_FIRST.after(page.after))
        query = query.order_by(*_NEWEST_FIRST.order_by()).limit(page.limit + 1)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        items = [_transaction(row) for row in rows[: page.limit]]
        next_keyset = None
        if len(rows) > page.limit:
            next_keyset = _NEWEST_FIRST.keyset(items[-1].executed_at, items[-1].id)
        return Page(items=items, next_keyset=next_keyset)

    async def positions_in(self, stock_id: UUID) -> dict[UUID, list[LedgerEntry]]:
        query = _LEDGER_ENTRIES.where(transactions.c.stock_id == stock_id)
        found: defaultdict[UUID, list[LedgerEntry]] = defaultdict(list)
        async with self._engine.connect() as connection:
            for row in await connection.execute(query):
                found[row.portfolio_id].append(_ledger_entry(row))
        return dict(found)

    async def live_in_order(self, portfolio_id: UUID) -> AsyncIterator[Transaction]:
        # Batches of one snapshot: a write between two must not tear the ledger.
        async with read_snapshot(self._engine) as connection:
            after = None
            while True:
                query = select(transactions).where(
                    transactions.c.portfolio_id == portfolio_id,
                    transactions.c.voided_at.is_(None),
                )
                if after is not None:
                    query = query.where(_LEDGER_ORDER.after(after))
                query = query.order_by(*_LEDGER_ORDER.order_by()).limit(EXPORT_BATCH)
                rows = (await connection.execute(query)).mappings().all()
                for row in rows:
                    yield _transaction(row)
                if len(rows) < EXPORT_BATCH:
                    return
                last = rows[-1]
                after = _LEDGER_ORDER.keyset(last["executed_at"], last["recorded_at"], last["id"])


class SqlTransactionHistory:
    """``TransactionHistory`` for the other contexts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def portfolio_transactions(self, portfolio_id: UUID) -> list[TransactionData]:
        query = (
            select(transactions)
            .where(transactions.c.portfolio_id == portfolio_id)
            .order_by(*_LEDGER_ORDER.order_by())
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_transaction(row).data() for row in rows]

    async def portfolio_ids(self) -> list[UUID]:
        query = select(transactions.c.portfolio_id).distinct()
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())
