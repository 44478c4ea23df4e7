"""Stock context: stocks, daily prices, splits, outbox and inbox.

Revision ID: stock_0001
Revises:
Create Date: 2026-11-26 04:09:22.268606
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared_kernel.infrastructure import column_types

revision: str = "stock_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("stock",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stock_inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("processed_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_stock_inbox")),
    )
    op.create_table(
        "stock_outbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("delivered_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_stock_outbox")),
    )
    with op.batch_alter_table("stock_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_outbox_pending", ["delivered_at", "next_attempt_at"], unique=False
        )

    op.create_table(
        "stock_prices",
        sa.Column("stock_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("close", column_types.ExactDecimal(), nullable=False),
        sa.Column("open", column_types.ExactDecimal(), nullable=True),
        sa.Column("high", column_types.ExactDecimal(), nullable=True),
        sa.Column("low", column_types.ExactDecimal(), nullable=True),
        sa.Column("volume", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("stock_id", "date", name=op.f("pk_stock_prices")),
    )
    op.create_table(
        "stock_splits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stock_id", sa.Uuid(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_splits")),
        sa.UniqueConstraint(
            "stock_id",
            "effective_date",
            name=op.f("uq_stock_splits_stock_id_effective_date"),
        ),
    )
    op.create_table(
        "stock_stocks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("symbol", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sector", sa.String(length=60), nullable=True),
        sa.Column("industry_group", sa.String(length=80), nullable=True),
        sa.Column("exchange", sa.String(length=100), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("created_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_stocks")),
        sa.UniqueConstraint("symbol", name=op.f("uq_stock_stocks_symbol")),
    )
    with op.batch_alter_table("stock_stocks", schema=None) as batch_op:
        batch_op.create_index("ix_stock_stocks_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_stock_stocks_name_id", ["name", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stock_stocks", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_stocks_name_id")
        batch_op.drop_index("ix_stock_stocks_created_at_id")

    op.drop_table("stock_stocks")
    op.drop_table("stock_splits")
    op.drop_table("stock_prices")
    with op.batch_alter_table("stock_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_outbox_pending")

    op.drop_table("stock_outbox")
    op.drop_table("stock_inbox")
