"""Transaction context: transactions, position locks, idempotency keys, outbox, inbox.

Revision ID: transaction_0001
Revises:
Create Date: 2026-11-26 04:18:11.482818
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared_kernel.infrastructure import column_types

revision: str = "transaction_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("transaction",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "txn_idempotency_keys",
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("expires_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("response_location", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("owner_id", "key", name=op.f("pk_txn_idempotency_keys")),
    )
    with op.batch_alter_table("txn_idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_txn_idempotency_keys_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_txn_idempotency_keys_portfolio_id"), ["portfolio_id"], unique=False
        )

    op.create_table(
        "txn_inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("processed_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_txn_inbox")),
    )
    op.create_table(
        "txn_outbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("delivered_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_txn_outbox")),
    )
    with op.batch_alter_table("txn_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_txn_outbox_pending", ["delivered_at", "next_attempt_at"], unique=False
        )

    op.create_table(
        "txn_positions",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("stock_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("portfolio_id", "stock_id", name=op.f("pk_txn_positions")),
    )
    op.create_table(
        "txn_transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("stock_id", sa.Uuid(), nullable=True),
        sa.Column("symbol", sa.String(length=12), nullable=True),
        sa.Column("quantity", column_types.ExactDecimal(), nullable=True),
        sa.Column("price", column_types.ExactDecimal(), nullable=True),
        sa.Column("amount", column_types.ExactDecimal(), nullable=False),
        sa.Column("fee", column_types.ExactDecimal(), nullable=False),
        sa.Column("tax", column_types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("executed_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("voided_at", column_types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_txn_transactions")),
    )
    with op.batch_alter_table("txn_transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_txn_transactions_portfolio_executed",
            ["portfolio_id", "executed_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_txn_transactions_position",
            ["portfolio_id", "stock_id", "executed_at"],
            unique=False,
        )
        batch_op.create_index(
            "uq_txn_transactions_live_external_id",
            ["portfolio_id", "external_id"],
            unique=True,
            postgresql_where=sa.text("voided_at IS NULL"),
            sqlite_where=sa.text("voided_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("txn_transactions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_txn_transactions_live_external_id",
            postgresql_where=sa.text("voided_at IS NULL"),
            sqlite_where=sa.text("voided_at IS NULL"),
        )
        batch_op.drop_index("ix_txn_transactions_position")
        batch_op.drop_index("ix_txn_transactions_portfolio_executed")

    op.drop_table("txn_transactions")
    op.drop_table("txn_positions")
    with op.batch_alter_table("txn_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_txn_outbox_pending")

    op.drop_table("txn_outbox")
    op.drop_table("txn_inbox")
    with op.batch_alter_table("txn_idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_txn_idempotency_keys_portfolio_id"))
        batch_op.drop_index(batch_op.f("ix_txn_idempotency_keys_expires_at"))

    op.drop_table("txn_idempotency_keys")
