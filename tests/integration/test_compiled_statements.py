"""A CompiledSelect answers exactly what SQLAlchemy answers, on both databases."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Uuid,
    bindparam,
    func,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
from shared_kernel.infrastructure.compiled_statements import CompiledSelect
from shared_kernel.infrastructure.database import (
    commit,
    create_engine,
    sqlite_reader,
    write_transaction,
)

scratch = MetaData()
things = Table(
    "test_compiled_select_things",
    scratch,
    Column("id", Uuid, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("note", String(200), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("amount", ExactDecimal, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("day", Date, nullable=True),
)

START = datetime(2024, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)
ROWS: list[dict[str, Any]] = [
    {
        "id": uuid4(),
        "name": f"thing {index}",
        "note": None if index % 3 == 0 else f"nöte {index} ✓",
        "active": index % 2 == 0,
        "rank": index * 7 - 20,
        "amount": [None, Decimal("0.1"), Decimal("-42.50"), Decimal("123456789012.12345678")][
            index % 4
        ],
        "at": START + timedelta(days=index, microseconds=index),
        "day": None if index % 5 == 0 else date(2024, 1, 1) + timedelta(days=index),
    }
    for index in range(12)
]


@pytest.fixture
async def table(engine: AsyncEngine) -> AsyncIterator[Table]:
    async with engine.begin() as connection:
        await connection.run_sync(scratch.create_all)
        await connection.execute(things.insert(), ROWS)
    yield things
    async with engine.begin() as connection:
        await connection.run_sync(scratch.drop_all)


async def _both(
    engine: AsyncEngine, statement: Select[Any], parameters: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows as SQLAlchemy gives them, and as the CompiledSelect does."""
    compiled = CompiledSelect(statement)
    async with engine.connect() as connection:
        expected = [
            dict(row) for row in (await connection.execute(statement, parameters)).mappings()
        ]
    found = await compiled.fetch_all(engine, parameters)
    assert await compiled.fetch_all(engine, parameters) == found  # from the cached plan
    return expected, found


async def test_every_column_type_reads_back_as_sqlalchemy_reads_it(
    engine: AsyncEngine, table: Table
) -> None:
    expected, found = await _both(engine, select(table).order_by(table.c.rank), {})

    assert found == expected
    assert found == sorted(ROWS, key=lambda row: row["rank"])
    for row in found:
        assert row["at"].tzinfo is not None
        assert row["amount"] is None or isinstance(row["amount"], Decimal)
        assert isinstance(row["id"], UUID)


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        (things.c.id == bindparam("p"), ROWS[4]["id"]),
        (
            things.c.at >= bindparam("p"),
            datetime(2024, 3, 5, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        ),
        (things.c.amount == bindparam("p"), Decimal("-42.50")),
        (things.c.active == bindparam("p"), True),
        (things.c.day < bindparam("p"), date(2024, 1, 6)),
        (things.c.name.like(bindparam("p")), "thing 1%"),
    ],
    ids=["uuid", "datetime", "decimal", "boolean", "date", "text"],
)
async def test_parameters_of_every_type_bind_as_sqlalchemy_binds_them(
    engine: AsyncEngine, table: Table, condition: Any, value: Any
) -> None:
    statement = select(table.c.id, table.c.rank).where(condition).order_by(table.c.rank)

    expected, found = await _both(engine, statement, {"p": value})

    assert found == expected
    assert found  # each condition picks some rows


async def test_computed_columns_labels_literals_and_limits(
    engine: AsyncEngine, table: Table
) -> None:
    latest = select(func.max(table.c.day)).where(table.c.active == bindparam("active"))
    statement = (
        select(
            table.c.name.label("title"),
            latest.scalar_subquery().label("latest_day"),
            func.count().over().label("total"),
        )
        .where(table.c.rank > -100)  # a literal bound when compiled: a default value
        .order_by(table.c.name)
        .limit(bindparam("page_limit", type_=Integer))
    )

    expected, found = await _both(engine, statement, {"active": True, "page_limit": 5})

    assert found == expected
    assert len(found) == 5
    assert isinstance(found[0]["latest_day"], date)


async def test_a_missing_parameter_is_an_error(engine: AsyncEngine, table: Table) -> None:
    compiled = CompiledSelect(select(table.c.id).where(table.c.rank == bindparam("rank")))
    with pytest.raises(KeyError, match="rank"):
        await compiled.fetch_all(engine, {})


async def test_it_refuses_an_expanding_in(engine: AsyncEngine, table: Table) -> None:
    compiled = CompiledSelect(
        select(table.c.id).where(table.c.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="expanding"):
        await compiled.fetch_all(engine, {"ids": [ROWS[0]["id"]]})


async def test_fetch_one_gives_the_first_row_or_none(engine: AsyncEngine, table: Table) -> None:
    compiled = CompiledSelect(select(table.c.name).where(table.c.id == bindparam("id")))
    assert await compiled.fetch_one(engine, {"id": ROWS[2]["id"]}) == {"name": "thing 2"}
    assert await compiled.fetch_one(engine, {"id": uuid4()}) is None


async def test_it_sees_what_was_committed_before_it_and_nothing_uncommitted(
    engine: AsyncEngine, table: Table
) -> None:
    compiled = CompiledSelect(select(table.c.name).where(table.c.rank == bindparam("rank")))
    assert await compiled.fetch_all(engine, {"rank": 1000}) == []
    row = {**ROWS[0], "id": uuid4(), "name": "late", "rank": 1000}
    async with write_transaction(engine) as connection:
        await connection.execute(table.insert(), [row])
        assert await compiled.fetch_all(engine, {"rank": 1000}) == []  # not committed yet
        await commit(connection)
    assert await compiled.fetch_all(engine, {"rank": 1000}) == [{"name": "late"}]


async def test_the_sqlite_reader_cannot_write(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "stockbook.db"
    shutil.copyfile(sqlite_template, path)
    engine = create_engine(make_url(f"sqlite+aiosqlite:///{path}"))
    try:
        reader = sqlite_reader(engine)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.execute("DELETE FROM stock_stocks")
        assert sqlite_reader(engine) is reader  # one per thread, kept
    finally:
        await engine.dispose()
