"""Portfolio context: holdings keep the replay order of the last transaction they reflect.

Revision ID: portfolio_0003
Revises: portfolio_0002
Create Date: 2026-11-26 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared_kernel.infrastructure import column_types

revision: str = "portfolio_0003"
down_revision: str | None = "portfolio_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("portfolio_holdings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_recorded_at", column_types.UtcDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("last_transaction_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portfolio_holdings", schema=None) as batch_op:
        batch_op.drop_column("last_transaction_id")
        batch_op.drop_column("last_recorded_at")
