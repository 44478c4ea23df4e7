"""A test's own table, made for the test on its database and dropped after it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.asynccontextmanager
async def scratch_table(
    engine: AsyncEngine, table: Table, rows: Sequence[dict[str, Any]] = ()
) -> AsyncIterator[Table]:
    """``table`` created (every table of its MetaData) and filled with ``rows``."""
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
        if rows:
            await connection.execute(table.insert(), rows)
    try:
        yield table
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.drop_all)
