"""Alembic environment: async, every context's MetaData, batch mode on SQLite."""

from __future__ import annotations

import asyncio

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from bootstrap.migrations import METADATA_BY_CONTEXT, TARGET_METADATA, database_url_for
from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
from shared_kernel.infrastructure.database import commit, create_engine, write_transaction

config = context.config

# `alembic -x context=<name> revision --autogenerate --head=<name>@head ...`
# compares only that context's tables, so each team's revisions stay in its branch.
_only = context.get_x_argument(as_dictionary=True).get("context")
_own_tables = set(METADATA_BY_CONTEXT[_only].tables) if _only else None


def _include_object(
    item: object, name: str | None, type_: str, _reflected: bool, _compare_to: object
) -> bool:
    if _own_tables is None:
        return True
    table = name if type_ == "table" else getattr(getattr(item, "table", None), "name", None)
    return table in _own_tables


def _render_item(type_: str, item: object, autogen_context: AutogenContext) -> str | bool:
    """Render the project's column types as ``column_types.X()`` with their import."""
    if type_ == "type" and isinstance(item, ExactDecimal | UtcDateTime):
        autogen_context.imports.add("from shared_kernel.infrastructure import column_types")
        return f"column_types.{type(item).__name__}()"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include_object,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(database_url_for(config))
    try:
        async with write_transaction(engine) as connection:
            await connection.run_sync(_configure)
            await commit(connection)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url_for(config), target_metadata=TARGET_METADATA)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
