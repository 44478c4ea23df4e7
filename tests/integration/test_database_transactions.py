"""Reads run without a transaction; writes inside one (shared_kernel.infrastructure.database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.stock.infrastructure.tables import stocks
from shared_kernel.infrastructure.database import write_transaction

_COUNT = select(func.count()).select_from(stocks)


async def _in_database_transaction(connection: AsyncConnection) -> bool:
    """Whether the database itself has a transaction open on this connection."""
    if connection.dialect.name == "postgresql":
        # Inside a transaction both statements get its id; outside one, each
        # statement is a transaction of its own.
        first, second = [
            (await connection.execute(text("SELECT txid_current()"))).scalar_one() for _ in range(2)
        ]
        return bool(first == second)
    driver: Any = await connection.get_raw_connection()
    return bool(driver.driver_connection._conn.in_transaction)


async def test_a_plain_connection_reads_outside_a_transaction(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        assert not await _in_database_transaction(connection)


async def test_a_write_transaction_is_one_transaction_and_rolls_back_unless_committed(
    engine: AsyncEngine,
) -> None:
    now = datetime.now(UTC)
    async with write_transaction(engine) as connection:
        await connection.execute(
            stocks.insert().values(
                id=uuid4(),
                symbol="TXN",
                name="Rolled back",
                currency="USD",
                listed=True,
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
        assert await _in_database_transaction(connection)
        assert (await connection.execute(_COUNT)).scalar_one() == 1
    async with engine.connect() as connection:
        assert (await connection.execute(_COUNT)).scalar_one() == 0
