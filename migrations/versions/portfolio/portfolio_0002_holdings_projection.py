"""Portfolio context: the holdings projection (copied transactions and splits, holdings, cash).

Revision ID: portfolio_0002
Revises: portfolio_0001
Create Date: 2026-11-26 04:22:43.549191
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared_kernel.infrastructure import column_types

revision: str = "portfolio_0002"
down_revision: str | None = "portfolio_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portfolio_cash_balances",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("balance", column_types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("portfolio_id", name=op.f("pk_portfolio_cash_balances")),
    )
    op.create_table(
        "portfolio_holdings",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("stock_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", column_types.ExactDecimal(), nullable=False),
        sa.Column("fifo_cost_basis", column_types.ExactDecimal(), nullable=False),
        sa.Column("fifo_realized_gain", column_types.ExactDecimal(), nullable=False),
        sa.Column("average_cost_basis", column_types.ExactDecimal(), nullable=False),
        sa.Column("average_realized_gain", column_types.ExactDecimal(), nullable=False),
        sa.Column("dividends", column_types.ExactDecimal(), nullable=False),
        sa.Column("fees", column_types.ExactDecimal(), nullable=False),
        sa.Column("taxes", column_types.ExactDecimal(), nullable=False),
        sa.Column("first_transaction_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("last_transaction_at", column_types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("portfolio_id", "stock_id", name=op.f("pk_portfolio_holdings")),
    )
    op.create_table(
        "portfolio_source_splits",
        sa.Column("split_id", sa.Uuid(), nullable=False),
        sa.Column("stock_id", sa.Uuid(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Integer(), nullable=False),
        sa.Column("denominator", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("split_id", name=op.f("pk_portfolio_source_splits")),
    )
    with op.batch_alter_table("portfolio_source_splits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portfolio_source_splits_stock_id"), ["stock_id"], unique=False
        )

    op.create_table(
        "portfolio_source_transactions",
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("stock_id", sa.Uuid(), nullable=True),
        sa.Column("quantity", column_types.ExactDecimal(), nullable=True),
        sa.Column("price", column_types.ExactDecimal(), nullable=True),
        sa.Column("amount", column_types.ExactDecimal(), nullable=False),
        sa.Column("fee", column_types.ExactDecimal(), nullable=False),
        sa.Column("tax", column_types.ExactDecimal(), nullable=False),
        sa.Column("executed_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("recorded_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("voided_at", column_types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_portfolio_source_transactions")),
    )
    with op.batch_alter_table("portfolio_source_transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_portfolio_source_transactions_position", ["portfolio_id", "stock_id"], unique=False
        )
        batch_op.create_index("ix_portfolio_source_transactions_stock", ["stock_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portfolio_source_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_portfolio_source_transactions_stock")
        batch_op.drop_index("ix_portfolio_source_transactions_position")

    op.drop_table("portfolio_source_transactions")
    with op.batch_alter_table("portfolio_source_splits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portfolio_source_splits_stock_id"))

    op.drop_table("portfolio_source_splits")
    op.drop_table("portfolio_holdings")
    op.drop_table("portfolio_cash_balances")
