"""Steps of the outbox's schema that every context's migrations take alike.

Each context owns its outbox table and its migrations; the table's shape is
shared (``metadata.outbox_table``), so the steps that change it live here,
each as it was first written. A later change of the outbox gets a new
function: an old revision must keep doing what it did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

from shared_kernel.infrastructure.column_types import UtcDateTime


def _delivery_columns() -> list[SchemaItem]:
    """How far delivery got: the same before and after entries."""
    return [
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("delivered_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    ]


def _event_row_columns(name: str) -> list[SchemaItem]:
    """The outbox as it was until entries: one row per event."""
    return [
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        *_delivery_columns(),
        sa.PrimaryKeyConstraint("event_id", name=f"pk_{name}"),
    ]


def _entry_columns(name: str) -> list[SchemaItem]:
    """The outbox as one row per committed unit of work, its events in one JSON array."""
    return [
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("written_at", UtcDateTime(), nullable=False),
        *_delivery_columns(),
        sa.PrimaryKeyConstraint("entry_id", name=f"pk_{name}"),
    ]


def _pending(name: str, columns: list[SchemaItem], order_by: str) -> list[sa.Row[Any]]:
    table = sa.Table(name, sa.MetaData(), *columns)
    query = sa.select(table).where(table.c.delivered_at.is_(None)).order_by(table.c[order_by])
    return list(op.get_bind().execute(query))


def _replace(name: str, columns: list[SchemaItem], rows: list[dict[str, object]]) -> None:
    """Swap the outbox ``name`` for one of ``columns`` and write ``rows`` into it."""
    pending_index = f"ix_{name}_pending"
    op.drop_index(pending_index, table_name=name)
    op.drop_table(name)
    table = op.create_table(name, *columns)
    op.create_index(pending_index, name, ["delivered_at", "next_attempt_at"])
    if rows:
        op.bulk_insert(table, rows)


def event_rows_to_entries(prefix: str) -> None:
    """Upgrade: each undelivered event becomes an entry of its own, due as it was.

    Delivered rows are not carried over: nothing reads them but the purge,
    which drops them within a week of delivery anyway.
    """
    name = f"{prefix}_outbox"
    pending = _pending(name, _event_row_columns(name), "occurred_at")
    rows: list[dict[str, object]] = [
        {
            "entry_id": row.event_id,
            "events": f'[["{row.event_type}",{row.payload}]]',
            "event_count": 1,
            "written_at": row.occurred_at,
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at,
            "delivered_at": None,
            "last_error": row.last_error,
        }
        for row in pending
    ]
    _replace(name, _entry_columns(name), rows)
    _compress_events_with_lz4(name)


def _compress_events_with_lz4(name: str) -> None:
    """On PostgreSQL built with lz4, the events column is compressed with it.

    An import's entry is tens of megabytes of JSON; PostgreSQL's own pglz took
    0.55 s to store 37 MB of it, lz4 0.23 s at the same size (10.6 vs 10.5 MB).
    """
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    lz4_built_in = bind.scalar(
        sa.text(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
    )
    if lz4_built_in:
        op.execute(sa.text(f"ALTER TABLE {name} ALTER COLUMN events SET COMPRESSION lz4"))


def entries_to_event_rows(prefix: str) -> None:
    """Downgrade: each event of an undelivered entry becomes a row, due as its entry was."""
    name = f"{prefix}_outbox"
    pending = _pending(name, _entry_columns(name), "written_at")
    rows: list[dict[str, object]] = [
        {
            "event_id": UUID(fields["event_id"]),
            "event_type": event_type,
            "payload": orjson.dumps(fields).decode(),
            "occurred_at": datetime.fromisoformat(fields["occurred_at"]),
            "attempts": entry.attempts,
            "next_attempt_at": entry.next_attempt_at,
            "delivered_at": None,
            "last_error": entry.last_error,
        }
        for entry in pending
        for event_type, fields in orjson.loads(entry.events)
    ]
    _replace(name, _event_row_columns(name), rows)
