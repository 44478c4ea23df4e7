"""Reads run without a transaction; writes inside one (shared_kernel.infrastructure.database)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contexts.stock.infrastructure.tables import stocks
from shared_kernel.infrastructure.database import (
    commit,
    driver_connection,
    one_statement_write,
    write_transaction,
)

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


def _new_stock(symbol: str) -> Any:
    now = datetime.now(UTC)
    return stocks.insert().values(
        id=uuid4(),
        symbol=symbol,
        name=f"{symbol} Inc.",
        name_key=f"{symbol} Inc.".casefold(),
        currency="USD",
        listed=True,
        created_at=now,
        updated_at=now,
        version=1,
    )


async def test_a_plain_connection_reads_outside_a_transaction(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        assert not await _in_database_transaction(connection)


async def test_a_write_transaction_is_one_transaction_and_rolls_back_unless_committed(
    engine: AsyncEngine,
) -> None:
    async with write_transaction(engine) as connection:
        await connection.execute(_new_stock("TXN"))
        assert await _in_database_transaction(connection)
        assert (await connection.execute(_COUNT)).scalar_one() == 1
    async with engine.connect() as connection:
        assert (await connection.execute(_COUNT)).scalar_one() == 0


async def test_a_statement_on_the_driver_itself_is_inside_the_transaction(
    engine: AsyncEngine,
) -> None:
    async with write_transaction(engine) as connection:
        driver = await driver_connection(connection)
        if connection.dialect.name == "postgresql":
            await driver.execute("DELETE FROM stock_stocks")  # the first statement of the block
            assert driver.is_in_transaction()
        else:
            assert driver._conn.in_transaction  # BEGIN IMMEDIATE came with the block
        await commit(connection)
    async with engine.connect() as connection:
        assert not await _in_database_transaction(connection)


async def test_a_write_transaction_is_committed_by_database_commit_alone(
    engine: AsyncEngine,
) -> None:
    """On PostgreSQL SQLAlchemy's commit would not reach the driver's transaction: refused."""
    async with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            with pytest.raises(RuntimeError, match=r"database\.commit"):
                await connection.commit()
        else:  # SQLite's transaction is SQLAlchemy's own
            await connection.commit()
            assert not await _in_database_transaction(connection)


async def test_a_cancelled_writer_leaves_its_cancellation_and_no_open_transaction(
    engine: AsyncEngine,
) -> None:
    started = asyncio.Event()

    async def slow_writer() -> None:
        async with write_transaction(engine) as connection:
            await connection.execute(stocks.delete())
            started.set()
            sleep = "SELECT pg_sleep(5)" if connection.dialect.name == "postgresql" else "SELECT 1"
            await connection.execute(text(sleep))
            await asyncio.sleep(5)

    task = asyncio.create_task(slow_writer())
    await started.wait()
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(5):  # no lock of the cancelled writer is left behind
        async with write_transaction(engine) as connection:
            await connection.execute(stocks.delete())
            await commit(connection)


async def test_a_one_statement_write_is_committed_when_the_block_ends(engine: AsyncEngine) -> None:
    async with one_statement_write(engine) as connection:
        await connection.execute(_new_stock("ONE"))
        # PostgreSQL: autocommit, no BEGIN/COMMIT round trips; SQLite: its writers' transaction
        assert await _in_database_transaction(connection) == (connection.dialect.name == "sqlite")
    async with engine.connect() as connection:
        assert (await connection.execute(_COUNT)).scalar_one() == 1
