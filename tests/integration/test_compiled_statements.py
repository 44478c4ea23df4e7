"""Compiled statements answer exactly what SQLAlchemy answers, on both databases.

``CompiledSelect`` reads in autocommit; ``CompiledWrite`` (and ``conflict_writes``)
runs inside ``write_transaction``, on PostgreSQL on the driver's own connection.
"""

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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import UpdateBase

from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
from shared_kernel.infrastructure.compiled_statements import (
    COPY_FROM,
    CompiledSelect,
    CompiledWrite,
    conflict_writes,
)
from shared_kernel.infrastructure.database import (
    commit,
    create_engine,
    sqlite_reader,
    write_transaction,
)
from tests.scratch_tables import scratch_table

scratch = MetaData()
things = Table(
    "test_compiled_statements_things",
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
    async with scratch_table(engine, things, ROWS) as made:
        yield made


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


# CompiledWrite: statements inside write_transaction.


def _new_row(**changes: Any) -> dict[str, Any]:
    """A row that is not in ROWS: a fresh id, a name and a rank none of them has."""
    return {**ROWS[1], "id": uuid4(), "name": "new", "rank": 1000, **changes}


async def _committed(engine: AsyncEngine, table: Table) -> dict[UUID, dict[str, Any]]:
    """Every committed row by id, as a separate connection reads it."""
    async with engine.connect() as connection:
        rows = (await connection.execute(select(table))).mappings()
        return {row["id"]: dict(row) for row in rows}


async def _sqlalchemy_rows(
    connection: AsyncConnection, statement: Select[Any] | UpdateBase, parameters: dict[str, Any]
) -> list[dict[str, Any]]:
    """The rows SQLAlchemy itself gives for ``statement`` on ``connection``."""
    return [dict(row) for row in (await connection.execute(statement, parameters)).mappings()]


def _exactly(rows: list[dict[str, Any]]) -> list[dict[str, tuple[type, str]]]:
    """Each value's type and repr: a Decimal's digits and a datetime's zone must match too."""
    return [{key: (type(value), repr(value)) for key, value in row.items()} for row in rows]


def _assert_as_stored(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert isinstance(row["id"], UUID)
        assert row["at"].utcoffset() == timedelta(0)
        assert row["amount"] is None or isinstance(row["amount"], Decimal)
        assert row["day"] is None or isinstance(row["day"], date)
        assert isinstance(row["active"], bool)


async def test_execute_gives_the_number_of_rows_each_write_touched_and_commit_keeps_them(
    engine: AsyncEngine, table: Table
) -> None:
    insert = CompiledWrite(table.insert())
    shift = CompiledWrite(
        table.update()
        .where(table.c.active == bindparam("was_active"))
        .values(rank=table.c.rank + bindparam("by"))
    )
    remove = CompiledWrite(table.delete().where(table.c.name == bindparam("named")))
    new = _new_row(active=True)
    active = [row for row in [*ROWS, new] if row["active"]]

    async with write_transaction(engine) as connection:
        assert await insert.execute(connection, new) == 1
        assert await shift.execute(connection, {"was_active": True, "by": 1}) == len(active) == 7
        assert await remove.execute(connection, {"named": "nobody"}) == 0
        assert new["id"] not in await _committed(engine, table)  # not committed yet
        await commit(connection)

    expected = {row["id"]: {**row, "rank": row["rank"] + row["active"]} for row in [*ROWS, new]}
    assert await _committed(engine, table) == expected
    async with write_transaction(engine) as connection:  # again, from the plans made above
        assert await shift.execute(connection, {"was_active": False, "by": 10}) == 6
        assert await remove.execute(connection, {"named": "new"}) == 1
        await commit(connection)
    committed = await _committed(engine, table)
    assert new["id"] not in committed
    assert committed[ROWS[1]["id"]]["rank"] == ROWS[1]["rank"] + 10


async def test_writes_left_without_a_commit_are_rolled_back(
    engine: AsyncEngine, table: Table
) -> None:
    before = await _committed(engine, table)
    new = _new_row()

    async with write_transaction(engine) as connection:
        assert await CompiledWrite(table.insert()).execute(connection, new) == 1
        assert (
            await CompiledWrite(table.update().values(note=bindparam("new_note"))).execute(
                connection, {"new_note": "changed"}
            )
            == len(ROWS) + 1
        )
        assert (
            await CompiledWrite(table.delete().where(table.c.id == bindparam("gone"))).execute(
                connection, {"gone": ROWS[3]["id"]}
            )
            == 1
        )
        # the same transaction as SQLAlchemy's own statements on the connection
        notes = await _sqlalchemy_rows(connection, select(table.c.id, table.c.note), {})
        assert {row["note"] for row in notes} == {"changed"}
        assert {row["id"] for row in notes} == {row["id"] for row in ROWS if row is not ROWS[3]} | {
            new["id"]
        }

    assert await _committed(engine, table) == before


async def test_execute_many_runs_the_statement_once_per_parameter_set(
    engine: AsyncEngine, table: Table
) -> None:
    insert = CompiledWrite(table.insert())
    new = [_new_row(name=f"batch {index}", rank=1000 + index) for index in range(5)]

    async with write_transaction(engine) as connection:
        await insert.execute_many(connection, new)
        await commit(connection)

    committed = await _committed(engine, table)
    assert len(committed) == len(ROWS) + len(new)
    assert [committed[row["id"]]["name"] for row in new] == [row["name"] for row in new]


async def test_a_large_batch_of_rows_inserts_every_value_as_a_small_one_does(
    engine: AsyncEngine, table: Table
) -> None:
    """``insert_into`` copies COPY_FROM rows or more on PostgreSQL: the same stored values."""
    copied = [
        {**ROWS[index % len(ROWS)], "id": uuid4(), "rank": 1000 + index}
        for index in range(COPY_FROM)
    ]
    inserted = [{**row, "id": uuid4()} for row in copied[:2]]  # two rows: no COPY

    async with write_transaction(engine) as connection:
        await CompiledWrite.insert_into(table).execute_many(connection, copied)
        await CompiledWrite.insert_into(table).execute_many(connection, inserted)
        await commit(connection)

    committed = await _committed(engine, table)
    assert len(committed) == len(ROWS) + len(copied) + len(inserted)
    for row in [*copied, *inserted]:
        stored = committed[row["id"]]
        assert stored == row  # the driver's UUID subclass compares equal to uuid.UUID
        assert _exactly([{**stored, "id": None}]) == _exactly([{**row, "id": None}])


async def test_a_large_batch_with_a_duplicate_is_an_integrity_error_and_keeps_nothing(
    engine: AsyncEngine, table: Table
) -> None:
    batch = [_new_row(rank=2000 + index) for index in range(COPY_FROM)]
    batch[-1] = {**batch[-1], "id": ROWS[0]["id"]}

    async with write_transaction(engine) as connection:
        with pytest.raises(IntegrityError):
            await CompiledWrite.insert_into(table).execute_many(connection, batch)

    assert len(await _committed(engine, table)) == len(ROWS)


async def test_execute_many_without_parameter_sets_does_nothing(
    engine: AsyncEngine, table: Table
) -> None:
    before = await _committed(engine, table)
    remove_all = CompiledWrite(table.delete())  # run even once, it would empty the table

    async with write_transaction(engine) as connection:
        await remove_all.execute_many(connection, [])
        await CompiledWrite(table.insert()).execute_many(connection, [])
        await commit(connection)

    assert await _committed(engine, table) == before


async def test_insert_returning_gives_every_column_type_as_sqlalchemy_gives_it(
    engine: AsyncEngine, table: Table
) -> None:
    insert = CompiledWrite(table.insert().returning(*table.c))
    away = timezone(timedelta(hours=-5, minutes=-30))
    twins = [
        {**row, "id": uuid4(), "rank": row["rank"] + 1000, "at": row["at"].astimezone(away)}
        for row in ROWS
    ]

    async with write_transaction(engine) as connection:
        found = [row for twin in twins for row in await insert.fetch_all(connection, twin)]
        expected = await _sqlalchemy_rows(
            connection, select(table).where(table.c.rank >= 900).order_by(table.c.rank), {}
        )
        # SQLAlchemy's own RETURNING of one more twin gives the same types
        extra = {**twins[2], "id": uuid4(), "rank": 5000}
        returned = await _sqlalchemy_rows(connection, table.insert().returning(*table.c), extra)
        await commit(connection)

    assert found == [{**twin, "at": twin["at"].astimezone(UTC)} for twin in twins]
    assert _exactly(found) == _exactly(expected)
    assert returned[0]["id"] == extra["id"]
    assert _exactly([{**found[2], "id": returned[0]["id"], "rank": 5000}]) == _exactly(returned)
    _assert_as_stored(found)
    amounts = [row["amount"] for row in found]
    assert Decimal("-42.50") in amounts
    assert "-42.50" in {str(amount) for amount in amounts}  # the trailing zero too


async def test_fetch_column_gives_the_first_columns_values_processed_as_fetch_all_does(
    engine: AsyncEngine, table: Table
) -> None:
    """Columns with a result processor (on SQLite: a UUID, an exact decimal, a UTC
    timestamp) and without one (a string)."""
    rows = [_new_row(rank=2000 + n, amount=Decimal(f"{n}.50"), name=f"n{n}") for n in range(3)]
    columns = ("id", "amount", "at", "name")

    async with write_transaction(engine) as connection:
        fetched = {
            name: [
                value
                for row in rows
                for value in await CompiledWrite(
                    table.insert().returning(table.c[name])
                ).fetch_column(connection, {**row, "id": uuid4(), "rank": row["rank"] + 10 * n})
            ]
            for n, name in enumerate(columns, 1)
        }

    for name in ("amount", "at", "name"):
        assert fetched[name] == [row[name] for row in rows]
    assert [str(amount) for amount in fetched["amount"]] == ["0.50", "1.50", "2.50"]
    assert all(isinstance(value, UUID) for value in fetched["id"])
    assert all(value.tzinfo is UTC for value in fetched["at"])


async def test_update_returning_gives_every_column_type_as_sqlalchemy_gives_it(
    engine: AsyncEngine, table: Table
) -> None:
    # Setting what is given, so that running it again gives the same rows.
    statement = (
        table.update()
        .where(table.c.rank >= bindparam("from_rank"))
        .values(
            amount=bindparam("new_amount"),
            at=bindparam("new_at"),
            note=bindparam("new_note"),
        )
        .returning(*table.c)
    )
    parameters: dict[str, Any] = {
        "from_rank": 0,
        "new_amount": Decimal("-0.000100"),
        "new_at": datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=9))),
        "new_note": "ünïcode ✓ 'quoted' $1",
    }

    async with write_transaction(engine) as connection:
        found = await CompiledWrite(statement).fetch_all(connection, parameters)
        expected = await _sqlalchemy_rows(connection, statement, parameters)
        await commit(connection)

    found.sort(key=lambda row: row["rank"])  # RETURNING promises no order
    expected.sort(key=lambda row: row["rank"])
    assert _exactly(found) == _exactly(expected)
    assert found == [
        {
            **row,
            "amount": parameters["new_amount"],
            "at": parameters["new_at"].astimezone(UTC),
            "note": parameters["new_note"],
        }
        for row in ROWS
        if row["rank"] >= 0
    ]
    assert {str(row["amount"]) for row in found} == {"-0.000100"}
    _assert_as_stored(found)


async def test_a_locking_select_gives_every_column_type_as_sqlalchemy_gives_it(
    engine: AsyncEngine, table: Table
) -> None:
    statement = (
        select(table)
        .where(table.c.rank >= bindparam("from_rank"))
        .order_by(table.c.rank)
        .with_for_update()
    )

    async with write_transaction(engine) as connection:
        found = await CompiledWrite(statement).fetch_all(connection, {"from_rank": -20})
        expected = await _sqlalchemy_rows(connection, statement, {"from_rank": -20})

    assert found == ROWS
    assert _exactly(found) == _exactly(expected)
    _assert_as_stored(found)


@pytest.mark.parametrize("method", ["execute", "execute_many", "fetch_all"])
async def test_a_unique_violation_is_sqlalchemys_integrity_error(
    engine: AsyncEngine, table: Table, method: str
) -> None:
    new = _new_row()
    duplicate = {**_new_row(name="duplicate"), "id": ROWS[5]["id"]}

    async def write_the_duplicate(connection: AsyncConnection) -> None:
        if method == "execute":
            await CompiledWrite(table.insert()).execute(connection, duplicate)
        elif method == "execute_many":
            await CompiledWrite(table.insert()).execute_many(connection, [new, duplicate])
        else:
            returning = CompiledWrite(table.insert().returning(table.c.id))
            await returning.fetch_all(connection, duplicate)

    async with write_transaction(engine) as connection:
        with pytest.raises(IntegrityError):
            await write_the_duplicate(connection)

    committed = await _committed(engine, table)
    assert new["id"] not in committed
    assert committed[ROWS[5]["id"]]["name"] == ROWS[5]["name"]


async def test_a_write_missing_a_parameter_is_an_error_naming_it(
    engine: AsyncEngine, table: Table
) -> None:
    rename = CompiledWrite(
        table.update().where(table.c.id == bindparam("target")).values(name=bindparam("new_name"))
    )
    async with write_transaction(engine) as connection:
        with pytest.raises(KeyError, match="target"):
            await rename.execute(connection, {"new_name": "renamed"})


async def test_a_write_refuses_an_expanding_in(engine: AsyncEngine, table: Table) -> None:
    remove = CompiledWrite(table.delete().where(table.c.id.in_(bindparam("ids", expanding=True))))
    async with write_transaction(engine) as connection:
        with pytest.raises(ValueError, match="expanding"):
            await remove.execute(connection, {"ids": [ROWS[0]["id"]]})
    assert ROWS[0]["id"] in await _committed(engine, table)


async def test_conflict_writes_skip_an_existing_key(engine: AsyncEngine, table: Table) -> None:
    claims = conflict_writes(lambda insert: insert(table).on_conflict_do_nothing())
    new = _new_row()

    async with write_transaction(engine) as connection:
        claim = claims[connection.dialect.name]
        assert await claim.execute(connection, new) == 1
        assert await claim.execute(connection, {**new, "name": "again"}) == 0
        assert await claim.execute(connection, {**ROWS[0], "name": "again"}) == 0
        await commit(connection)

    committed = await _committed(engine, table)
    assert committed[new["id"]]["name"] == "new"
    assert committed[ROWS[0]["id"]]["name"] == ROWS[0]["name"]
    assert len(committed) == len(ROWS) + 1


async def test_conflict_writes_can_update_the_existing_row(
    engine: AsyncEngine, table: Table
) -> None:
    def upsert(insert: Any) -> UpdateBase:
        statement = insert(table)
        upserted: UpdateBase = statement.on_conflict_do_update(
            index_elements=[table.c.id], set_={"name": statement.excluded.name}
        )
        return upserted

    writes = conflict_writes(upsert)
    assert set(writes) == {"postgresql", "sqlite"}
    new = _new_row()

    async with write_transaction(engine) as connection:
        write = writes[connection.dialect.name]
        assert await write.execute(connection, new) == 1
        assert await write.execute(connection, {**ROWS[0], "name": "renamed"}) == 1
        await commit(connection)

    committed = await _committed(engine, table)
    assert committed[new["id"]]["name"] == "new"
    assert committed[ROWS[0]["id"]]["name"] == "renamed"
    assert committed[ROWS[0]["id"]]["rank"] == ROWS[0]["rank"]
