"""Alembic environment: async, every context's MetaData, batch mode on SQLite."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from bootstrap.migrations import TARGET_METADATA, database_url_for
from shared_kernel.infrastructure.database import create_engine

config = context.config


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=TARGET_METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_engine(database_url_for(config))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url_for(config), target_metadata=TARGET_METADATA)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
