"""The portfolio context's tables (prefix ``portfolio_``)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, UniqueConstraint, Uuid

from shared_kernel.infrastructure.column_types import UtcDateTime
from shared_kernel.infrastructure.metadata import context_metadata, inbox_table, outbox_table

metadata = context_metadata()

portfolios = Table(
    "portfolio_portfolios",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("name", String(100), nullable=False),
    Column("description", String(500), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("owner_id", "name"),
)
Index(
    "ix_portfolio_portfolios_owner_created",
    portfolios.c.owner_id,
    portfolios.c.created_at,
    portfolios.c.id,
)

outbox = outbox_table(metadata, "portfolio")
inbox = inbox_table(metadata, "portfolio")
