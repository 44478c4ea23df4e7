"""Portfolio context: portfolios, outbox and inbox.

Revision ID: portfolio_0001
Revises:
Create Date: 2026-11-26 04:18:10.312927
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared_kernel.infrastructure import column_types

revision: str = "portfolio_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("portfolio",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portfolio_inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("processed_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_portfolio_inbox")),
    )
    op.create_table(
        "portfolio_outbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("delivered_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_portfolio_outbox")),
    )
    with op.batch_alter_table("portfolio_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_portfolio_outbox_pending", ["delivered_at", "next_attempt_at"], unique=False
        )

    op.create_table(
        "portfolio_portfolios",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("updated_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_portfolios")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_portfolio_portfolios_owner_id_name")),
    )
    with op.batch_alter_table("portfolio_portfolios", schema=None) as batch_op:
        batch_op.create_index(
            "ix_portfolio_portfolios_owner_created", ["owner_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("portfolio_portfolios", schema=None) as batch_op:
        batch_op.drop_index("ix_portfolio_portfolios_owner_created")

    op.drop_table("portfolio_portfolios")
    with op.batch_alter_table("portfolio_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_portfolio_outbox_pending")

    op.drop_table("portfolio_outbox")
    op.drop_table("portfolio_inbox")
