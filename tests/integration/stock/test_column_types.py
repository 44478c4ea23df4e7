"""ExactDecimal and UtcDateTime keep values exact on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from contexts.stock.infrastructure.tables import prices
from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
from tests.scratch_tables import scratch_table

EXACT = [
    Decimal("0.1"),
    Decimal("123456789012.12345678"),
    Decimal("0.000000000001"),
    Decimal("999999999999999999.999999999999"),
    Decimal("-42.50"),
    Decimal("1E+20"),
    Decimal("0"),
]
scratch = MetaData()
samples = Table(
    "test_column_type_samples",
    scratch,
    Column("id", Integer, primary_key=True),
    Column("amount", ExactDecimal, nullable=True),
    Column("at", UtcDateTime, nullable=True),
)


@pytest.fixture
async def sample_table(engine: AsyncEngine) -> AsyncIterator[Table]:
    async with scratch_table(engine, samples) as made:
        yield made


async def test_decimals_read_back_equal_through_exact_decimal(
    engine: AsyncEngine, sample_table: Table
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(sample_table), [{"id": i, "amount": v} for i, v in enumerate(EXACT)]
        )
        await connection.execute(insert(sample_table).values(id=99, amount=None))
    async with engine.connect() as connection:
        rows = (await connection.execute(select(sample_table).order_by("id"))).all()
    read = [row.amount for row in rows]
    assert read == [*EXACT, None]
    for written, back in zip(EXACT, read, strict=False):
        assert isinstance(back, Decimal)
        assert back == written
    assert str(read[1]) == "123456789012.12345678"
    assert read[2] == Decimal("0.000000000001")


async def test_prices_keep_their_decimals_exactly(engine: AsyncEngine) -> None:
    stock_id = uuid4()
    closes = EXACT[:4]
    async with engine.begin() as connection:
        await connection.execute(
            insert(prices),
            [
                {"stock_id": stock_id, "date": date(2025, 1, 1 + i), "close": close, "low": close}
                for i, close in enumerate(closes)
            ],
        )
    async with engine.connect() as connection:
        rows = (
            await connection.execute(select(prices.c.close, prices.c.low).order_by(prices.c.date))
        ).all()
    assert [row.close for row in rows] == closes
    assert [row.low for row in rows] == closes
    assert all(isinstance(row.close, Decimal) for row in rows)


async def test_timestamps_come_back_timezone_aware_utc(
    engine: AsyncEngine, sample_table: Table
) -> None:
    utc = datetime(2025, 3, 30, 0, 59, 59, 999999, tzinfo=UTC)
    paris = datetime(2025, 3, 30, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    async with engine.begin() as connection:
        await connection.execute(
            insert(sample_table), [{"id": 1, "at": utc}, {"id": 2, "at": paris}]
        )
    async with engine.connect() as connection:
        read = (await connection.scalars(select(sample_table.c.at).order_by("id"))).all()
    assert read == [utc, paris]
    for value in read:
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
    assert read[1] == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert read[0].microsecond == 999999


async def test_a_naive_timestamp_is_refused(engine: AsyncEngine, sample_table: Table) -> None:
    async with engine.begin() as connection:
        with pytest.raises(StatementError, match="naive datetime"):
            await connection.execute(
                insert(sample_table).values(id=1, at=datetime(2025, 1, 1, 12, 0))
            )


async def test_timestamps_compare_in_utc(engine: AsyncEngine, sample_table: Table) -> None:
    base = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    async with engine.begin() as connection:
        await connection.execute(
            insert(sample_table),
            [{"id": i, "at": base + timedelta(microseconds=i)} for i in range(3)],
        )
    later_than = datetime(2025, 1, 1, 13, 0, 0, 0, tzinfo=timezone(timedelta(hours=1)))  # = base
    async with engine.connect() as connection:
        ids = (
            await connection.scalars(
                select(sample_table.c.id).where(sample_table.c.at > later_than).order_by("id")
            )
        ).all()
    assert ids == [1, 2]


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 3, 30, 1, 59, 59, 999999, tzinfo=timezone(timedelta(hours=2))),
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(999, 12, 31, 23, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_sqlite_stores_the_text_sqlalchemys_datetime_stores(moment: datetime) -> None:
    dialect = sqlite_dialect()
    ours = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    # SQLAlchemy leaves the SQLite DATETIME's __init__ unannotated.
    sqlalchemys = DATETIME().bind_processor(dialect)  # type: ignore[no-untyped-call]
    assert ours is not None
    assert sqlalchemys is not None
    assert ours(moment) == sqlalchemys(moment.astimezone(UTC).replace(tzinfo=None))
    assert ours(None) is None
    with pytest.raises(ValueError, match="naive"):
        ours(moment.replace(tzinfo=None))
