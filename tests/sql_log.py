"""The SQL an engine runs, whichever way it goes: through SQLAlchemy, or on
asyncpg's connection itself (``shared_kernel.infrastructure.compiled_statements``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from asyncpg.connection import Connection as AsyncpgConnection
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_DRIVER_METHODS = ("execute", "executemany", "fetch")


@contextmanager
def statements_run(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement run on ``engine`` inside the block, in order, lower-cased.

    On PostgreSQL statements run on the driver are seen by patching asyncpg's
    connection class: run nothing else on PostgreSQL inside the block.
    """
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.lower())

    def recording(method: Any) -> Any:
        async def run(connection: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(query.lower())
            return await method(connection, query, *args, **kwargs)

        return run

    patches = [
        patch.object(AsyncpgConnection, name, recording(getattr(AsyncpgConnection, name)))
        for name in _DRIVER_METHODS
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
