"""Portfolio context: the position index of copied transactions includes their type.

The projector asks whether a position has a live sale before it adds a buy
that commits out of order; with the type in the index that is one index probe,
not a walk over the position's history. The index it replaces served only the
position reads, which use its prefix as before.

Revision ID: portfolio_0004
Revises: portfolio_0003
Create Date: 2026-11-26 11:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "portfolio_0004"
down_revision: str | None = "portfolio_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_portfolio_source_transactions_position_type",
        "portfolio_source_transactions",
        ["portfolio_id", "stock_id", "type"],
    )
    op.drop_index(
        "ix_portfolio_source_transactions_position", table_name="portfolio_source_transactions"
    )


def downgrade() -> None:
    op.create_index(
        "ix_portfolio_source_transactions_position",
        "portfolio_source_transactions",
        ["portfolio_id", "stock_id"],
    )
    op.drop_index(
        "ix_portfolio_source_transactions_position_type",
        table_name="portfolio_source_transactions",
    )
