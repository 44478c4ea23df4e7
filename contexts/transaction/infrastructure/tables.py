"""The transaction context's tables (prefix ``txn_``)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)

from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
from shared_kernel.infrastructure.metadata import context_metadata, inbox_table, outbox_table

metadata = context_metadata()

transactions = Table(
    "txn_transactions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("portfolio_id", Uuid, nullable=False),
    Column("owner_id", Uuid, nullable=False),
    Column("type", String(10), nullable=False),
    Column("stock_id", Uuid, nullable=True),
    Column("symbol", String(12), nullable=True),
    Column("quantity", ExactDecimal, nullable=True),
    Column("price", ExactDecimal, nullable=True),
    Column("amount", ExactDecimal, nullable=False),
    Column("fee", ExactDecimal, nullable=False),
    Column("tax", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("executed_at", UtcDateTime, nullable=False),
    Column("notes", Text, nullable=True),
    Column("external_id", String(100), nullable=True),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("voided_at", UtcDateTime, nullable=True),
)
Index(
    "ix_txn_transactions_portfolio_executed",
    transactions.c.portfolio_id,
    transactions.c.executed_at,
    transactions.c.id,
)
Index(
    "ix_txn_transactions_position",
    transactions.c.portfolio_id,
    transactions.c.stock_id,
    transactions.c.executed_at,
)
Index(
    "uq_txn_transactions_live_external_id",
    transactions.c.portfolio_id,
    transactions.c.external_id,
    unique=True,
    postgresql_where=transactions.c.voided_at.is_(None),
    sqlite_where=transactions.c.voided_at.is_(None),
)

# One row per portfolio: the lock that a deletion of the portfolio takes exclusively
# (and imports too), and that every other writer takes shared.
books = Table(
    "txn_books",
    metadata,
    Column("portfolio_id", Uuid, primary_key=True),
    Column("closed_at", UtcDateTime, nullable=True),
)

# One row per (portfolio, stock): the lock that serializes the writers of a position.
positions = Table(
    "txn_positions",
    metadata,
    Column("portfolio_id", Uuid, nullable=False),
    Column("stock_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("portfolio_id", "stock_id"),
)

idempotency_keys = Table(
    "txn_idempotency_keys",
    metadata,
    Column("owner_id", Uuid, nullable=False),
    Column("key", String(255), nullable=False),
    Column("portfolio_id", Uuid, nullable=False, index=True),
    Column("fingerprint", String(64), nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
    Column("response_status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("response_location", String(300), nullable=True),
    PrimaryKeyConstraint("owner_id", "key"),
)

outbox = outbox_table(metadata, "txn")
inbox = inbox_table(metadata, "txn")
