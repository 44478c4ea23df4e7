"""The packed closes of ``stock_close_years``: written with every price write, read in bulk.

A performance report values 200 stocks over 20 years: a million closes. Read
as rows, each close costs a row's decoding (a date and an exact decimal parsed
from text on SQLite, built by the driver on PostgreSQL): seconds, whatever the
loop. Packed by stock and calendar year they are 4,200 rows of two byte
strings (12 MB), read in tens of milliseconds and handed over as machine
arrays.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from contexts.stock.infrastructure.tables import close_years, prices, stocks
from shared_kernel.infrastructure.database import conflict_insert

_SWAP_BYTES = sys.byteorder != "little"
"""The packed values are little-endian whatever the machine."""


def pack_dates(days: Iterable[date]) -> bytes:
    dates = array("i", map(date.toordinal, days))
    if _SWAP_BYTES:
        dates.byteswap()
    return dates.tobytes()


def pack_closes(closes: Iterable[Decimal]) -> bytes:
    values = array("d", map(float, closes))
    if _SWAP_BYTES:
        values.byteswap()
    return values.tobytes()


def unpack_dates(packed: bytes) -> array[int]:
    dates = array("i")
    dates.frombytes(packed)
    if _SWAP_BYTES:
        dates.byteswap()
    return dates


def unpack_closes(packed: bytes) -> array[float]:
    values = array("d")
    values.frombytes(packed)
    if _SWAP_BYTES:
        values.byteswap()
    return values


async def lock_stock_prices(connection: AsyncConnection, stock_id: UUID) -> None:
    """Queue concurrent price writes of one stock (PostgreSQL; SQLite has one writer).

    Each write repacks whole years from what it reads: without the lock, two
    writes of one year, each reading before the other commits, would each pack
    a year that misses the other's closes.
    """
    await connection.execute(select(stocks.c.id).where(stocks.c.id == stock_id).with_for_update())


async def repack_years(connection: AsyncConnection, stock_id: UUID, years: Iterable[int]) -> None:
    """Rewrite the stock's packed ``years`` (each holding a close) from ``stock_prices``."""
    wanted = sorted(set(years))
    if not wanted:
        return
    query = (
        select(prices.c.date, prices.c.close)
        .where(
            prices.c.stock_id == stock_id,
            prices.c.date >= date(wanted[0], 1, 1),
            prices.c.date <= date(wanted[-1], 12, 31),
        )
        .order_by(prices.c.date)
    )
    by_year: dict[int, list[tuple[date, Decimal]]] = {year: [] for year in wanted}
    for day, close in await connection.execute(query):
        if day.year in by_year:
            by_year[day.year].append((day, close))
    statement = conflict_insert(connection, close_years)
    statement = statement.on_conflict_do_update(
        index_elements=[close_years.c.stock_id, close_years.c.year],
        set_={"dates": statement.excluded.dates, "closes": statement.excluded.closes},
    )
    await connection.execute(
        statement,
        [
            {
                "stock_id": stock_id,
                "year": year,
                "dates": pack_dates(day for day, _ in closes),
                "closes": pack_closes(close for _, close in closes),
            }
            for year, closes in by_year.items()
        ],
    )


async def read_years(
    connection: AsyncConnection, stock_ids: Sequence[UUID], first_year: int, last_year: int
) -> dict[UUID, tuple[array[int], array[float]]]:
    """Each stock's packed closes of ``first_year`` to ``last_year``, joined, ascending."""
    query = (
        select(close_years.c.stock_id, close_years.c.dates, close_years.c.closes)
        .where(
            close_years.c.stock_id.in_(set(stock_ids)),
            close_years.c.year >= first_year,
            close_years.c.year <= last_year,
        )
        .order_by(close_years.c.stock_id, close_years.c.year)
    )
    chunks: dict[UUID, tuple[list[bytes], list[bytes]]] = {}
    for stock_id, dates, closes in await connection.execute(query):
        stock_dates, stock_closes = chunks.setdefault(stock_id, ([], []))
        stock_dates.append(dates)
        stock_closes.append(closes)
    return {
        stock_id: (unpack_dates(b"".join(dates)), unpack_closes(b"".join(closes)))
        for stock_id, (dates, closes) in chunks.items()
    }
