"""The stock context's tables (its own MetaData, prefix ``stock_``)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from shared_kernel.infrastructure.column_types import ExactDecimal, UtcDateTime
from shared_kernel.infrastructure.metadata import (
    context_metadata,
    inbox_table,
    outbox_table,
)

metadata = context_metadata()

stocks = Table(
    "stock_stocks",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("symbol", String(12), nullable=False),
    Column("name", String(200), nullable=False),
    # what sorting and searching by name read (domain.stock.name_key); case folding
    # can make a name up to three times as long
    Column("name_key", String(600), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("sector", String(60), nullable=True),
    Column("industry_group", String(80), nullable=True),
    Column("exchange", String(100), nullable=True),
    Column("grade", String(1), nullable=True),
    Column("notes", Text, nullable=True),
    Column("listed", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("symbol"),
)
Index("ix_stock_stocks_name_key_id", stocks.c.name_key, stocks.c.id)
Index("ix_stock_stocks_created_at_id", stocks.c.created_at, stocks.c.id)

prices = Table(
    "stock_prices",
    metadata,
    Column("stock_id", Uuid, nullable=False),
    Column("date", Date, nullable=False),
    Column("close", ExactDecimal, nullable=False),
    Column("open", ExactDecimal, nullable=True),
    Column("high", ExactDecimal, nullable=True),
    Column("low", ExactDecimal, nullable=True),
    Column("volume", BigInteger, nullable=True),
    PrimaryKeyConstraint("stock_id", "date"),
)

close_years = Table(
    "stock_close_years",
    metadata,
    Column("stock_id", Uuid, nullable=False),
    Column("year", Integer, nullable=False),
    Column("dates", LargeBinary, nullable=False),
    Column("closes", LargeBinary, nullable=False),
    PrimaryKeyConstraint("stock_id", "year"),
)
"""Read model of ``stock_prices``: each stock's closes of one calendar year, packed.

``dates``: little-endian int32 ``date.toordinal()`` values, ascending; ``closes``:
little-endian float64 ``float(close)`` values in the same order. Rewritten from
``stock_prices`` in the same transaction as every price write, so it never lags.
"""

splits = Table(
    "stock_splits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("stock_id", Uuid, nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("numerator", Integer, nullable=False),
    Column("denominator", Integer, nullable=False),
    UniqueConstraint("stock_id", "effective_date"),
)

outbox = outbox_table(metadata, "stock")
inbox = inbox_table(metadata, "stock")
