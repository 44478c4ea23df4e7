"""Identity context: failed logins are counted per email, not per email and client.

API.md limits failed logins per email; counting them per client let guesses
spread over many addresses try ten times per address. The client column goes.
The rows are throttle state of the last minute only, so a downgrade starts
that minute afresh instead of inventing a client for each row.

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-11-27 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "identity_0003"
down_revision: str | None = "identity_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("identity_login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_login_failures_email_client")
        batch_op.drop_column("client")
        batch_op.create_index(
            "ix_identity_login_failures_email", ["email", "failed_at"], unique=False
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM identity_login_failures"))
    with op.batch_alter_table("identity_login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_login_failures_email")
        batch_op.add_column(sa.Column("client", sa.String(length=100), nullable=False))
        batch_op.create_index(
            "ix_identity_login_failures_email_client",
            ["email", "client", "failed_at"],
            unique=False,
        )
