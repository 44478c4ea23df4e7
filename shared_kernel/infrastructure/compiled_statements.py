"""Hot statements: a Core statement compiled once and run on the database driver itself.

SQLAlchemy writes the statement and compiles it for the connection's dialect,
once. Running it through SQLAlchemy's async layer costs about 100 µs of CPU
per statement (a greenlet switch, the DBAPI adapter, the result objects): as
much as asyncpg's whole round trip. A compiled statement keeps the compiled
SQL with the processors SQLAlchemy itself would apply to each parameter and
each column, and runs it on the driver's own connection (asyncpg prepares
each SQL text once per connection).

- ``CompiledSelect``: a read on a plain ``engine.connect()``, which reads in
  autocommit (``database.py``): asyncpg's ``fetch``, or on SQLite the event
  loop thread's own read-only connection (``sqlite_reader``).
- ``CompiledWrite``: a statement inside ``write_transaction``, which on
  PostgreSQL has begun its transaction on the driver's connection before the
  block runs, or alone in ``one_statement_write`` (autocommit there):
  asyncpg's ``execute``, ``fetch``, ``executemany`` or, for a large batch of
  new rows, ``COPY``. SQLite, whose writers take turns anyway,
  runs the same compiled SQL through SQLAlchemy's ``exec_driver_sql``.

Parameters are plain bound values; an expanding ``IN`` is refused when the
statement is first compiled.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import Select, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import UpdateBase

from shared_kernel.infrastructure.database import (
    DIALECT_INSERTS,
    driver_connection,
    sqlite_reader,
)

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
    take_all: Callable[[Mapping[str, Any]], Sequence[Any]] = field(init=False, repr=False)
    """Every parameter's value at once, in order (``KeyError`` when one is not given)."""
    processed: tuple[tuple[int, Processor], ...] = field(init=False, repr=False)
    """(parameter index, processor) for the parameters that have one."""

    def __post_init__(self) -> None:
        names = [name for name, _, _ in self.parameters]

        def one_by_one(given: Mapping[str, Any]) -> list[Any]:
            return [given[name] for name in names]

        # itemgetter takes them in C; of one name it gives the value itself, not a tuple
        take_all = operator.itemgetter(*names) if len(names) > 1 else one_by_one
        processed = tuple(
            (index, processor)
            for index, (_, _, processor) in enumerate(self.parameters)
            if processor is not None
        )
        object.__setattr__(self, "take_all", take_all)  # derived once: the plan is frozen
        object.__setattr__(self, "processed", processed)

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for ``parameters``, each processed.

        An import binds millions of values: when every parameter is given, as
        an INSERT's are, they are taken at once, and only those with a
        processor are looked at again. For the ledger's 17-column INSERT, 100,000
        rows took 0.06 s instead of 0.12 s on PostgreSQL (three of its columns have
        a processor there), 0.49 s instead of 0.54 s on SQLite (twelve have).
        """
        try:
            arguments = list(self.take_all(parameters))
        except KeyError:  # one left to its default, or missing
            arguments = [
                self._given_or_default(name, default, parameters)
                for name, default, _ in self.parameters
            ]
        for index, processor in self.processed:
            value = arguments[index]
            if value is not None:
                arguments[index] = processor(value)
        return arguments

    @staticmethod
    def _given_or_default(name: str, default: Any, parameters: Mapping[str, Any]) -> Any:
        value = parameters.get(name, default)
        if value is _REQUIRED:
            raise KeyError(f"no value for the parameter {name!r}")
        return value


class _Compiled:
    """A statement, its compiled form per dialect, and how its rows come back."""

    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self._statement = statement
        self._columns = list(statement.exported_columns)
        self._keys = tuple(str(key) for key, _ in statement.exported_columns.items())
        if len(set(self._keys)) != len(self._keys):
            raise ValueError(f"a compiled statement needs distinct column keys, not {self._keys}")
        self._plans: dict[str, _Plan] = {}

    def _mapping(self, plan: _Plan, row: Sequence[Any]) -> dict[str, Any]:
        values = list(row)
        for index, processor in plan.result_processors:
            values[index] = processor(values[index])
        return dict(zip(self._keys, values, strict=True))

    async def _plan_for(self, dialect: Dialect, asyncpg_connection: Any | None) -> _Plan:
        """The plan for ``dialect``, made on first use.

        asyncpg reports each column's type only once the SQL is prepared (on
        ``asyncpg_connection``), and the numeric types' result processors depend
        on it, as in SQLAlchemy. sqlite3 reports none: there they do not.
        """
        plan = self._plans.get(dialect.name)
        if plan is not None:
            return plan
        compiled = self._compile(dialect)
        types: list[Any] = [None] * len(self._columns)
        if asyncpg_connection is not None and self._columns:
            prepared = await asyncpg_connection.prepare(compiled.string)
            types = [attribute.type.oid for attribute in prepared.get_attributes()]
        plan = self._plans[dialect.name] = self._plan(dialect, compiled, types)
        return plan

    def _compile(self, dialect: Dialect) -> Any:
        """The statement compiled for ``dialect`` (a SQLCompiler), checked."""
        compiled: Any = self._statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a compiled statement takes no expanding or literal parameters")
        if any(bind.callable is not None for bind in compiled.binds.values()):
            raise ValueError("a compiled statement takes no parameters computed at execution")
        return compiled

    def _plan(self, dialect: Dialect, compiled: Any, column_types: Sequence[Any]) -> _Plan:
        result_processors = tuple(
            (index, processor)
            for index, (column, column_type) in enumerate(
                zip(self._columns, column_types, strict=True)
            )
            if (
                processor := column.type.dialect_impl(dialect).result_processor(
                    dialect, column_type
                )
            )
            is not None
        )
        return _Plan(
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


class CompiledSelect(_Compiled):
    """A SELECT run on the driver in autocommit; each row comes back as a dict by column key."""

    def __init__(self, statement: Select[Any]) -> None:
        super().__init__(statement)

    async def fetch_all(
        self, engine: AsyncEngine, parameters: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        dialect = engine.dialect
        rows: Sequence[Sequence[Any]]
        if dialect.driver == "asyncpg":
            async with engine.connect() as connection:
                driver = await driver_connection(connection)
                plan = await self._plan_for(dialect, driver)
                rows = await driver.fetch(plan.sql, *plan.arguments(parameters))
        elif dialect.driver == "aiosqlite":
            # The read blocks the loop's thread: first give the loop its turn. uvloop
            # otherwise runs every ready request's reads in a row before it polls the
            # sockets again (uvloop issue #123), and some connections wait many turns:
            # holdings on SQLite at 32 connections, p99 285 ms -> 52 ms (p50 48 ms).
            await asyncio.sleep(0)
            plan = await self._plan_for(dialect, None)
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


_ROW_COUNT = re.compile(r"(\d+)$")
COPY_FROM = 1000
"""Rows from which ``CompiledWrite.insert_into`` copies instead of inserting: COPY costs
a round trip to learn the columns' types, and then far less per row than an INSERT."""


class CompiledWrite(_Compiled):
    """A statement run inside ``write_transaction``: an INSERT, UPDATE or DELETE
    (rows come back from its RETURNING) or a locking SELECT.

    Both databases run the same compiled SQL with the same processed
    parameters: asyncpg on its own connection, SQLite through SQLAlchemy's
    ``exec_driver_sql`` (its writers take turns anyway). An INSERT names
    every column it is compiled with: each needs a value, None included.
    ``copy_into`` (set by ``insert_into``) is the table such an INSERT of every
    column fills, which a large batch may then ``COPY`` into.
    """

    def __init__(
        self, statement: Select[Any] | UpdateBase, *, copy_into: Table | None = None
    ) -> None:
        super().__init__(statement)
        self._copy_into = copy_into

    @classmethod
    def insert_into(cls, table: Table) -> CompiledWrite:
        """An INSERT of every column of ``table``. A large batch of rows goes to
        PostgreSQL as one binary ``COPY`` (``COPY_FROM`` rows or more)."""
        return cls(insert(table), copy_into=table)

    async def execute(self, connection: AsyncConnection, parameters: Mapping[str, Any]) -> int:
        """Run it once; the number of rows it affected."""
        plan, driver = await self._plan_on(connection)
        if driver is None:
            result = await connection.exec_driver_sql(plan.sql, tuple(plan.arguments(parameters)))
            return int(result.rowcount)
        with _integrity_errors(plan):
            status: str = await driver.execute(plan.sql, *plan.arguments(parameters))
        found = _ROW_COUNT.search(status)
        return int(found.group(1)) if found else 0

    async def execute_many(
        self, connection: AsyncConnection, parameter_sets: Sequence[Mapping[str, Any]]
    ) -> None:
        """Run it once per set of parameters (asyncpg: pipelined, prepared once)."""
        if len(parameter_sets) <= 1:  # asyncpg's pipeline costs more than a lone execute
            for parameters in parameter_sets:
                await self.execute(connection, parameters)
            return
        plan, driver = await self._plan_on(connection)
        if driver is None:
            await connection.exec_driver_sql(
                plan.sql, [tuple(plan.arguments(parameters)) for parameters in parameter_sets]
            )
            return
        with _integrity_errors(plan):
            if self._copy_into is not None and len(parameter_sets) >= COPY_FROM:
                table = self._copy_into
                # Made as asyncpg sends them: it writes every 512 KiB it has encoded, so
                # PostgreSQL stores the first rows (on the other core) while these are made.
                await driver.copy_records_to_table(
                    table.name,
                    schema_name=table.schema,
                    columns=[table.c[name].name for name, _, _ in plan.parameters],
                    records=(plan.arguments(parameters) for parameters in parameter_sets),
                )
            else:
                await driver.executemany(
                    plan.sql, [plan.arguments(parameters) for parameters in parameter_sets]
                )

    async def fetch_all(
        self, connection: AsyncConnection, parameters: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Run it once; its rows, each a dict by column key."""
        plan, rows = await self._fetch(connection, parameters)
        return [self._mapping(plan, row) for row in rows]

    async def fetch_column(
        self, connection: AsyncConnection, parameters: Mapping[str, Any]
    ) -> list[Any]:
        """Run it once; the first column's value of each row, without a dict per row
        (an import's inbox claim returns a hundred thousand ids)."""
        plan, rows = await self._fetch(connection, parameters)
        processor = next((p for index, p in plan.result_processors if index == 0), None)
        if processor is None:
            return [row[0] for row in rows]
        return [processor(row[0]) for row in rows]

    async def _fetch(
        self, connection: AsyncConnection, parameters: Mapping[str, Any]
    ) -> tuple[_Plan, Sequence[Sequence[Any]]]:
        plan, driver = await self._plan_on(connection)
        if driver is None:
            result = await connection.exec_driver_sql(plan.sql, tuple(plan.arguments(parameters)))
            return plan, result.all()
        with _integrity_errors(plan):
            return plan, await driver.fetch(plan.sql, *plan.arguments(parameters))

    async def _plan_on(self, connection: AsyncConnection) -> tuple[_Plan, Any | None]:
        """The plan for the connection's database, and asyncpg's connection (None on SQLite)."""
        if connection.dialect.driver != "asyncpg":
            return await self._plan_for(connection.dialect, None), None
        driver = await driver_connection(connection)
        return await self._plan_for(connection.dialect, driver), driver


@contextlib.contextmanager
def _integrity_errors(plan: _Plan) -> Iterator[None]:
    """A violated constraint raises SQLAlchemy's ``IntegrityError``, as through SQLAlchemy."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        raise IntegrityError(plan.sql, None, error) from error


def conflict_writes(build: Callable[[Any], UpdateBase]) -> Mapping[str, CompiledWrite]:
    """A ``CompiledWrite`` per database for an INSERT with an ``ON CONFLICT`` clause,
    which each dialect spells with its own ``insert``: ``build(insert)`` makes it."""
    return {name: CompiledWrite(build(insert)) for name, insert in DIALECT_INSERTS.items()}
