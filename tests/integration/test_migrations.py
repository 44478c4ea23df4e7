"""Migrations build exactly the schema the code declares, and unwind cleanly.

Each test gets a fresh, empty database of its own (a new SQLite file, or a
throwaway PostgreSQL database dropped afterwards). The tests are synchronous:
alembic's async ``env.py`` runs its own event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import orjson
import pytest
import sqlalchemy as sa
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
from contexts.stock.contracts import STOCK_EVENTS, StockRegistered
from contexts.stock.infrastructure.tables import outbox as stock_outbox
from contexts.stock.infrastructure.tables import stocks
from shared_kernel.infrastructure.column_types import UtcDateTime
from shared_kernel.infrastructure.database import create_engine
from shared_kernel.infrastructure.event_codec import EventCodec
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
    yield from empty_postgresql_database()


@pytest.fixture
def empty_postgresql_url() -> Iterator[str]:
    yield from empty_postgresql_database()


def empty_postgresql_database() -> Iterator[str]:
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


def on_database(url: str, work: Any) -> Any:
    """Run ``work(sync_connection)`` on the database, in a transaction that commits,
    and return its result."""

    async def run() -> Any:
        engine = create_engine(make_url(url))
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(work)
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
    assert on_database(empty_database_url, table_names) == set()
    upgrade_to_heads(empty_database_url)
    assert on_database(empty_database_url, table_names) == DECLARED_TABLES | {"alembic_version"}
    assert on_database(empty_database_url, current_revisions) == head_revisions()
    assert on_database(empty_database_url, schema_drift) == []
    assert {"stock_stocks", "stock_prices", "stock_splits", "stock_outbox", "stock_inbox"} <= (
        DECLARED_TABLES
    )


def test_downgrade_to_base_and_up_again(empty_database_url: str) -> None:
    upgrade_to_heads(empty_database_url)
    upgrade_to_heads(empty_database_url)  # a second upgrade is a no-op
    command.downgrade(alembic_config(empty_database_url), "base")
    left = on_database(empty_database_url, table_names)
    assert not {name for name in left if name.startswith("stock_")}
    assert left <= {"alembic_version"}
    assert on_database(empty_database_url, current_revisions) == set()
    upgrade_to_heads(empty_database_url)
    assert on_database(empty_database_url, schema_drift) == []
    assert on_database(empty_database_url, current_revisions) == head_revisions()


STOCK_OUTBOX_OF_EVENT_ROWS = sa.Table(
    "stock_outbox",
    sa.MetaData(),
    sa.Column("event_id", sa.Uuid()),
    sa.Column("event_type", sa.String()),
    sa.Column("payload", sa.Text()),
    sa.Column("occurred_at", UtcDateTime()),
    sa.Column("attempts", sa.Integer()),
    sa.Column("next_attempt_at", UtcDateTime()),
    sa.Column("delivered_at", UtcDateTime()),
    sa.Column("last_error", sa.Text()),
)
"""``stock_outbox`` as it was before ``stock_0003``: one row per event."""


def test_the_outbox_s_undelivered_events_survive_the_move_to_entries_and_back(
    empty_database_url: str,
) -> None:
    codec = EventCodec()
    codec.register(*STOCK_EVENTS)
    at = datetime(2026, 11, 1, 9, 30, 0, 123456, tzinfo=UTC)
    pending, delivered = (
        StockRegistered(
            stock_id=uuid4(),
            symbol=symbol,
            name="Électricité de France",
            currency="EUR",
            sector=None,
            industry_group=None,
            occurred_at=at,
        )
        for symbol in ("EDF", "GONE")
    )

    def old_row(event: StockRegistered, delivered_at: datetime | None) -> dict[str, Any]:
        ((name, fields),) = orjson.loads(codec.encode([event]))
        return {
            "event_id": event.event_id,
            "event_type": name,
            "payload": orjson.dumps(fields).decode(),
            "occurred_at": event.occurred_at,
            "attempts": 2,
            "next_attempt_at": at + timedelta(minutes=5),
            "delivered_at": delivered_at,
            "last_error": "stock.projection: RuntimeError: down",
        }

    old_rows = [old_row(pending, None), old_row(delivered, at)]
    config = alembic_config(empty_database_url)
    upgrade_to_heads(empty_database_url)
    command.downgrade(config, "stock_0002")
    on_database(
        empty_database_url,
        lambda connection: connection.execute(sa.insert(STOCK_OUTBOX_OF_EVENT_ROWS), old_rows),
    )

    upgrade_to_heads(empty_database_url)
    (entry,) = on_database(
        empty_database_url,
        lambda connection: list(connection.execute(sa.select(stock_outbox)).mappings()),
    )
    assert codec.decode(entry["events"]) == [pending]  # the delivered one is not carried over
    assert {
        key: entry[key]
        for key in (
            "entry_id",
            "event_count",
            "written_at",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_error",
        )
    } == {
        "entry_id": pending.event_id,
        "event_count": 1,
        "written_at": at,
        "attempts": 2,
        "next_attempt_at": at + timedelta(minutes=5),
        "delivered_at": None,
        "last_error": "stock.projection: RuntimeError: down",
    }

    command.downgrade(config, "stock_0002")
    (row,) = on_database(
        empty_database_url,
        lambda connection: list(
            connection.execute(sa.select(STOCK_OUTBOX_OF_EVENT_ROWS)).mappings()
        ),
    )
    assert dict(row) == old_rows[0]
    upgrade_to_heads(empty_database_url)


def test_the_stocks_registered_before_get_their_name_key(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "stock_0003")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    names = {"EBAY": "eBay", "SIE": "Straße AG", "ZM": "Zoom"}
    common = {"currency": "USD", "listed": True, "created_at": at, "updated_at": at, "version": 1}
    rows = [{"id": uuid4(), "symbol": s, "name": n, **common} for s, n in names.items()]
    # every column but name_key, which stock_0003 does not have
    on_database(empty_database_url, lambda connection: connection.execute(sa.insert(stocks), rows))
    upgrade_to_heads(empty_database_url)
    keys = on_database(
        empty_database_url,
        lambda connection: {
            row.symbol: row.name_key for row in connection.execute(sa.select(stocks))
        },
    )
    assert keys == {"EBAY": "ebay", "SIE": "strasse ag", "ZM": "zoom"}
    command.downgrade(config, "stock_0003")
    upgrade_to_heads(empty_database_url)
    assert on_database(empty_database_url, schema_drift) == []


def outbox_compression(connection: Connection) -> dict[str, str]:
    """The compression method of each outbox's events column (l: lz4)."""
    rows = connection.execute(
        sa.text(
            "SELECT c.relname, a.attcompression::text FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relname LIKE '%\\_outbox' AND a.attname = 'events'"
        )
    )
    return {str(row[0]): str(row[1]) for row in rows}


@pytest.mark.postgres
def test_on_postgresql_the_outbox_events_are_compressed_with_lz4(
    empty_postgresql_url: str,
) -> None:
    upgrade_to_heads(empty_postgresql_url)
    assert on_database(empty_postgresql_url, outbox_compression) == {
        f"{prefix}_outbox": "l" for prefix in ("identity", "portfolio", "stock", "txn")
    }
