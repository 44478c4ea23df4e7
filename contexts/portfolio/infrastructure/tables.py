"""The portfolio context's tables (prefix ``portfolio_``)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
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


# --- the holdings projection: the context's own copy of what it needs ------

source_transactions = Table(
    "portfolio_source_transactions",
    metadata,
    Column("transaction_id", Uuid, primary_key=True),
    Column("portfolio_id", Uuid, nullable=False),
    Column("type", String(10), nullable=False),
    Column("stock_id", Uuid, nullable=True),
    Column("quantity", ExactDecimal, nullable=True),
    Column("price", ExactDecimal, nullable=True),
    Column("amount", ExactDecimal, nullable=False),
    Column("fee", ExactDecimal, nullable=False),
    Column("tax", ExactDecimal, nullable=False),
    Column("executed_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("voided_at", UtcDateTime, nullable=True),
)
Index(
    "ix_portfolio_source_transactions_position_type",
    source_transactions.c.portfolio_id,
    source_transactions.c.stock_id,
    source_transactions.c.type,
)
Index("ix_portfolio_source_transactions_stock", source_transactions.c.stock_id)

source_splits = Table(
    "portfolio_source_splits",
    metadata,
    Column("split_id", Uuid, primary_key=True),
    Column("stock_id", Uuid, nullable=False, index=True),
    Column("effective_date", Date, nullable=False),
    Column("numerator", Integer, nullable=False),
    Column("denominator", Integer, nullable=False),
)

holdings = Table(
    "portfolio_holdings",
    metadata,
    Column("portfolio_id", Uuid, nullable=False),
    Column("stock_id", Uuid, nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("fifo_cost_basis", ExactDecimal, nullable=False),
    Column("fifo_realized_gain", ExactDecimal, nullable=False),
    Column("average_cost_basis", ExactDecimal, nullable=False),
    Column("average_realized_gain", ExactDecimal, nullable=False),
    Column("dividends", ExactDecimal, nullable=False),
    Column("fees", ExactDecimal, nullable=False),
    Column("taxes", ExactDecimal, nullable=False),
    Column("first_transaction_at", UtcDateTime, nullable=True),
    Column("last_transaction_at", UtcDateTime, nullable=True),
    # with last_transaction_at, the replay order of the last transaction the holding reflects:
    # a later transaction that takes no shares away is added to it without a replay
    Column("last_recorded_at", UtcDateTime, nullable=True),
    Column("last_transaction_id", Uuid, nullable=True),
    PrimaryKeyConstraint("portfolio_id", "stock_id"),
)

cash_balances = Table(
    "portfolio_cash_balances",
    metadata,
    Column("portfolio_id", Uuid, primary_key=True),
    Column("balance", ExactDecimal, nullable=False),
)

outbox = outbox_table(metadata, "portfolio")
inbox = inbox_table(metadata, "portfolio")
