"""Hot reads: a Core SELECT compiled once and run on the database driver itself.

SQLAlchemy writes the statement and compiles it for the connection's dialect,
once. Running it through SQLAlchemy's async layer costs about 100 µs of CPU
per statement (a greenlet switch, the DBAPI adapter, the result objects): as
much as asyncpg's whole round trip, and the larger part of a by-id read. A
``CompiledSelect`` keeps the compiled SQL with the processors SQLAlchemy
itself would apply to each parameter and each column, and runs it on the
driver's own connection: one ``fetch`` on asyncpg (which prepares each SQL
text once per connection), one ``execute_fetchall`` on aiosqlite (one hand-off
to its thread where the DBAPI adapter takes five).

Only for reads on a plain ``engine.connect()``, which reads in autocommit
(``database.py``), never inside ``write_transaction``: there SQLAlchemy
opens the transaction lazily, at its own first statement, so a driver
statement could run before the BEGIN. Parameters are plain bound values; an expanding ``IN`` is
refused when the statement is first run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from shared_kernel.infrastructure.database import sqlite_reader

Processor = Callable[[Any], Any]
_REQUIRED = object()


@dataclass(frozen=True)
class _Plan:
    """The statement compiled for one dialect, with its processors."""

    sql: str
    parameters: tuple[tuple[str, Any, Processor | None], ...]
    """(name, value when not given, processor) of each positional parameter."""
    result_processors: tuple[tuple[int, Processor], ...]
    """(column index, processor) for the columns that have one."""

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for name, default, processor in self.parameters:
            value = parameters.get(name, default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the parameter {name!r}")
            arguments.append(value if processor is None or value is None else processor(value))
        return arguments


class CompiledSelect:
    """A SELECT run on the driver; each row comes back as a dict by column key."""

    def __init__(self, statement: Select[Any]) -> None:
        self._statement = statement
        self._keys = tuple(statement.selected_columns.keys())
        if len(set(self._keys)) != len(self._keys):
            raise ValueError(f"a CompiledSelect needs distinct column keys, not {self._keys}")
        self._plans: dict[str, _Plan] = {}

    async def fetch_all(
        self, engine: AsyncEngine, parameters: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        dialect = engine.dialect
        plan = self._plans.get(dialect.name)
        rows: Sequence[Sequence[Any]]
        if dialect.driver == "asyncpg":
            async with engine.connect() as connection:
                driver: Any = (await connection.get_raw_connection()).driver_connection
                if plan is None:
                    plan = await self._asyncpg_plan(dialect, driver)
                rows = await driver.fetch(plan.sql, *plan.arguments(parameters))
        elif dialect.driver == "aiosqlite":
            if plan is None:
                # sqlite3 reports no column types: the processors do not depend on them
                plan = self._plan(dialect, self._compile(dialect), [None] * len(self._keys))
            rows = sqlite_reader(engine).execute(plan.sql, plan.arguments(parameters)).fetchall()
        else:
            raise RuntimeError(f"no driver path for {dialect.name}+{dialect.driver}")
        return [self._mapping(plan, row) for row in rows]

    async def fetch_one(
        self, engine: AsyncEngine, parameters: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The first row, or None."""
        rows = await self.fetch_all(engine, parameters)
        return rows[0] if rows else None

    def _mapping(self, plan: _Plan, row: Sequence[Any]) -> dict[str, Any]:
        values = list(row)
        for index, processor in plan.result_processors:
            values[index] = processor(values[index])
        return dict(zip(self._keys, values, strict=True))

    async def _asyncpg_plan(self, dialect: Dialect, driver: Any) -> _Plan:
        """asyncpg reports each column's type only once the SQL is prepared; the
        numeric types' result processors depend on it, as in SQLAlchemy."""
        compiled = self._compile(dialect)
        prepared = await driver.prepare(compiled.string)
        types = [attribute.type.oid for attribute in prepared.get_attributes()]
        return self._plan(dialect, compiled, types)

    def _compile(self, dialect: Dialect) -> Any:
        """The statement compiled for ``dialect`` (a SQLCompiler), checked."""
        compiled: Any = self._statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a CompiledSelect takes no expanding or literal parameters")
        if any(bind.callable is not None for bind in compiled.binds.values()):
            raise ValueError("a CompiledSelect takes no parameters computed at execution")
        return compiled

    def _plan(self, dialect: Dialect, compiled: Any, column_types: Sequence[Any]) -> _Plan:
        columns = self._statement.selected_columns
        result_processors = tuple(
            (index, processor)
            for index, (column, column_type) in enumerate(zip(columns, column_types, strict=True))
            if (
                processor := column.type.dialect_impl(dialect).result_processor(
                    dialect, column_type
                )
            )
            is not None
        )
        plan = _Plan(
            sql=compiled.string,
            parameters=tuple(
                (
                    name,
                    _REQUIRED if bind.required else bind.value,
                    bind.type.dialect_impl(dialect).bind_processor(dialect),
                )
                for name in compiled.positiontup or ()
                for bind in [compiled.binds[name]]
            ),
            result_processors=result_processors,
        )
        self._plans[dialect.name] = plan
        return plan
