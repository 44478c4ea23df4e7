"""Stock context: the packed closes by stock and year (stock_close_years), filled from the prices.

Revision ID: stock_0002
Revises: stock_0001
Create Date: 2026-11-26 07:10:00.000000
"""

from collections.abc import Sequence
from itertools import groupby

import sqlalchemy as sa
from alembic import op

from contexts.stock.infrastructure.close_years import pack_closes, pack_dates
from shared_kernel.infrastructure import column_types

revision: str = "stock_0002"
down_revision: str | None = "stock_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_prices = sa.table(
    "stock_prices",
    sa.column("stock_id", sa.Uuid()),
    sa.column("date", sa.Date()),
    sa.column("close", column_types.ExactDecimal()),
)


def upgrade() -> None:
    close_years = op.create_table(
        "stock_close_years",
        sa.Column("stock_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("dates", sa.LargeBinary(), nullable=False),
        sa.Column("closes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("stock_id", "year", name=op.f("pk_stock_close_years")),
    )
    connection = op.get_bind()
    stock_ids = connection.execute(sa.select(_prices.c.stock_id).distinct()).scalars().all()
    for stock_id in stock_ids:
        closes = connection.execute(
            sa.select(_prices.c.date, _prices.c.close)
            .where(_prices.c.stock_id == stock_id)
            .order_by(_prices.c.date)
        ).all()
        packed = []
        for year, rows in groupby(closes, key=lambda row: row.date.year):
            year_closes = list(rows)
            packed.append(
                {
                    "stock_id": stock_id,
                    "year": year,
                    "dates": pack_dates(row.date for row in year_closes),
                    "closes": pack_closes(row.close for row in year_closes),
                }
            )
        op.bulk_insert(close_years, packed)


def downgrade() -> None:
    op.drop_table("stock_close_years")
