"""The SQL an engine runs, whichever way it goes: through SQLAlchemy, on
asyncpg's connection itself, or on SQLite's loop-thread reader
(``shared_kernel.infrastructure.compiled_statements``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from asyncpg.connection import Connection as AsyncpgConnection
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shared_kernel.infrastructure import compiled_statements, database

_DRIVER_METHODS = ("execute", "executemany", "fetch")


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement run on ``engine`` inside the block, in order, lower-cased.

    Statements run on the drivers are seen by patching asyncpg's connection
    class and the compiled statements' SQLite reader: run nothing else on
    those inside the block.
    """
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.lower())

    def recording(method: Any) -> Any:
        async def run(connection: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(query.lower())
            return await method(connection, query, *args, **kwargs)

        return run

    class RecordingReader:
        def __init__(self, reader: sqlite3.Connection) -> None:
            self._reader = reader

        def execute(self, query: str, *args: Any) -> sqlite3.Cursor:
            seen.append(query.lower())
            return self._reader.execute(query, *args)

    copy_records = AsyncpgConnection.copy_records_to_table

    async def copying(connection: Any, table_name: str, **kwargs: Any) -> Any:
        seen.append(f"copy {table_name}".lower())
        return await copy_records(connection, table_name, **kwargs)

    patches = [
        *(
            patch.object(AsyncpgConnection, name, recording(getattr(AsyncpgConnection, name)))
            for name in _DRIVER_METHODS
        ),
        patch.object(AsyncpgConnection, "copy_records_to_table", copying),
        patch.object(
            compiled_statements,
            "sqlite_reader",
            lambda engine: RecordingReader(database.sqlite_reader(engine)),
        ),
    ]
    event.listen(engine.sync_engine, "before_cursor_execute", listen)
    try:
        for each in patches:
            each.start()
        yield seen
    finally:
        for each in patches:
            each.stop()
        event.remove(engine.sync_engine, "before_cursor_execute", listen)
