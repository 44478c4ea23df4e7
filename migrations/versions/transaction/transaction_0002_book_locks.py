"""Transaction context: one lock row per portfolio book (closed when it is deleted).

Revision ID: transaction_0002
Revises: transaction_0001
Create Date: 2026-11-26 04:54:31.862766
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared_kernel.infrastructure import column_types

revision: str = "transaction_0002"
down_revision: str | None = "transaction_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "txn_books",
        sa.Column("portfolio_id", sa.Uuid(), nullable=False),
        sa.Column("closed_at", column_types.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("portfolio_id", name=op.f("pk_txn_books")),
    )


def downgrade() -> None:
    op.drop_table("txn_books")
