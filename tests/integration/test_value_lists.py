"""A value list is one parameter however many values it holds, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, bindparam, select, true
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
from shared_kernel.infrastructure.compiled_statements import CompiledSelect, CompiledWrite
from shared_kernel.infrastructure.database import DIALECT_INSERTS, commit, write_transaction
from shared_kernel.infrastructure.value_lists import ValueRows, in_value_list
from tests.scratch_tables import scratch_table

scratch = MetaData()
things = Table(
    "test_value_lists_things",
    scratch,
    Column("id", Uuid, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
AT = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
ROWS: list[dict[str, Any]] = [
    {"id": uuid4(), "name": f"thing {index}", "amount": Decimal(index) / 8, "at": AT}
    for index in range(40)
]
MORE_THAN_A_STATEMENT_MAY_BIND = 40_000
"""asyncpg and SQLite cap one statement's parameters at about 32,767."""


@pytest.fixture
async def table(engine: AsyncEngine) -> AsyncIterator[Table]:
    async with scratch_table(engine, things, ROWS) as made:
        yield made


async def _names(engine: AsyncEngine, statement: Any, parameters: dict[str, Any]) -> list[str]:
    async with engine.connect() as connection:
        return sorted((await connection.execute(statement, parameters)).scalars())


@pytest.mark.parametrize(
    ("column", "key"), [(things.c.id, "id"), (things.c.name, "name"), (things.c.amount, "amount")]
)
async def test_in_value_list_matches_the_listed_values_of_any_column_type(
    engine: AsyncEngine, table: Table, column: Any, key: str
) -> None:
    wanted = ROWS[3:9]
    statement = select(table.c.name).where(in_value_list(column, "values"))
    values = [row[key] for row in wanted] + ([uuid4()] if key == "id" else [])

    assert await _names(engine, statement, {"values": values}) == sorted(
        row["name"] for row in wanted
    )
    assert await _names(engine, statement, {"values": []}) == []


async def test_the_list_may_hold_more_values_than_a_statement_may_bind(
    engine: AsyncEngine, table: Table
) -> None:
    ids = [uuid4() for _ in range(MORE_THAN_A_STATEMENT_MAY_BIND)] + [ROWS[0]["id"]]
    statement = select(table.c.name).where(in_value_list(table.c.id, "ids"))

    assert await _names(engine, statement, {"ids": ids}) == ["thing 0"]


async def test_the_statement_is_compiled_once_for_every_length(
    engine: AsyncEngine, table: Table
) -> None:
    compiled = CompiledSelect(select(table.c.id).where(in_value_list(table.c.name, "names")))

    for count in (1, 5, 17):
        rows = await compiled.fetch_all(engine, {"names": [r["name"] for r in ROWS[:count]]})
        assert sorted(row["id"] for row in rows) == sorted(r["id"] for r in ROWS[:count])


async def test_value_rows_feed_an_insert_that_skips_existing_keys(
    engine: AsyncEngine, table: Table
) -> None:
    ids = ValueRows("ids", table.c.id.type)
    new = [uuid4() for _ in range(MORE_THAN_A_STATEMENT_MAY_BIND)]

    async with write_transaction(engine) as connection:
        insert = CompiledWrite(
            DIALECT_INSERTS[connection.dialect.name](table)
            .from_select(
                ["id", "name", "amount", "at"],
                select(
                    ids.value,
                    bindparam("name", type_=String()),
                    bindparam("amount", type_=ExactDecimal()),
                    bindparam("at", type_=UtcDateTime()),
                )
                .select_from(ids)
                .where(true()),
            )
            .on_conflict_do_nothing()
            .returning(table.c.id)
        )
        rows = await insert.fetch_all(
            connection,
            {"ids": [ROWS[0]["id"], *new], "name": "new", "amount": Decimal("0.1"), "at": AT},
        )
        await commit(connection)

    inserted = [row["id"] for row in rows]
    assert sorted(inserted) == sorted(new)
    assert all(isinstance(each, UUID) for each in inserted)
    async with engine.connect() as connection:
        stored = (await connection.execute(select(table).where(table.c.id == new[0]))).one()
        kept = (await connection.execute(select(table).where(table.c.id == ROWS[0]["id"]))).one()
    assert stored._asdict() == {"id": new[0], "name": "new", "amount": Decimal("0.1"), "at": AT}
    assert kept.name == "thing 0"


async def test_a_missing_list_is_refused(engine: AsyncEngine, table: Table) -> None:
    statement = select(table.c.name).where(in_value_list(table.c.id, "ids"))
    with pytest.raises(StatementError, match="needs a list"):
        await _names(engine, statement, {"ids": None})
