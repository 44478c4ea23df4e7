"""Per-context MetaData with one naming convention, plus outbox and inbox tables."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, Uuid

from shared_kernel.infrastructure.column_types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def context_metadata() -> MetaData:
    """A fresh MetaData for one context's tables."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def outbox_table(metadata: MetaData, prefix: str) -> Table:
    """The context's outbox: one row per committed unit of work that published events.

    ``events`` holds them all (``EventCodec``), so a commit writes one row and
    its delivery marks one row, whether it published one event or an import's
    hundred thousand. The events keep their own ids, which the inboxes record.
    """
    name = f"{prefix}_outbox"
    table = Table(
        name,
        metadata,
        Column("entry_id", Uuid, primary_key=True),
        Column("events", Text, nullable=False),
        Column("event_count", Integer, nullable=False),
        Column("written_at", UtcDateTime, nullable=False),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", UtcDateTime, nullable=False),
        Column("delivered_at", UtcDateTime, nullable=True),
        Column("last_error", Text, nullable=True),
    )
    Index(f"ix_{name}_pending", table.c.delivered_at, table.c.next_attempt_at)
    return table


def inbox_table(metadata: MetaData, prefix: str) -> Table:
    """The context's inbox: which of its subscribers processed which event."""
    return Table(
        f"{prefix}_inbox",
        metadata,
        Column("event_id", Uuid, primary_key=True),
        Column("subscriber", String(200), primary_key=True),
        Column("processed_at", UtcDateTime, nullable=False),
    )
