"""Migrations build exactly the schema the code declares, and unwind cleanly.

Each test gets a fresh, empty database of its own (a new SQLite file, or a
throwaway PostgreSQL database dropped afterwards). The tests are synchronous:
alembic's async ``env.py`` runs its own event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import make_url

from bootstrap.migrations import (
    TARGET_METADATA,
    alembic_config,
    current_revisions,
    head_revisions,
    upgrade_to_heads,
)
from shared_kernel.infrastructure.database import create_engine
from tests.databases import (
    POSTGRES_REQUIRED,
    create_postgres_database,
    drop_postgres_database,
    postgres_unavailable_reason,
)

DECLARED_TABLES = {table.name for metadata in TARGET_METADATA for table in metadata.tables.values()}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    reason = postgres_unavailable_reason()
    if reason is not None:
        if POSTGRES_REQUIRED:
            pytest.fail(reason)
        pytest.skip(reason)
    url = create_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(url)


def inspect_database(url: str, look: Any) -> Any:
    """Run ``look(sync_connection)`` on the database and return its result."""

    async def run() -> Any:
        engine = create_engine(make_url(url))
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def schema_drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": True},
    )
    return list(compare_metadata(context, TARGET_METADATA))  # type: ignore[arg-type]


def test_upgrade_builds_exactly_the_declared_schema(empty_database_url: str) -> None:
    assert inspect_database(empty_database_url, table_names) == set()
    upgrade_to_heads(empty_database_url)
    assert inspect_database(empty_database_url, table_names) == DECLARED_TABLES | {
        "alembic_version"
    }
    assert inspect_database(empty_database_url, current_revisions) == head_revisions()
    assert inspect_database(empty_database_url, schema_drift) == []
    assert {"stock_stocks", "stock_prices", "stock_splits", "stock_outbox", "stock_inbox"} <= (
        DECLARED_TABLES
    )


def test_downgrade_to_base_and_up_again(empty_database_url: str) -> None:
    upgrade_to_heads(empty_database_url)
    upgrade_to_heads(empty_database_url)  # a second upgrade is a no-op
    command.downgrade(alembic_config(empty_database_url), "base")
    left = inspect_database(empty_database_url, table_names)
    assert not {name for name in left if name.startswith("stock_")}
    assert left <= {"alembic_version"}
    assert inspect_database(empty_database_url, current_revisions) == set()
    upgrade_to_heads(empty_database_url)
    assert inspect_database(empty_database_url, schema_drift) == []
    assert inspect_database(empty_database_url, current_revisions) == head_revisions()
