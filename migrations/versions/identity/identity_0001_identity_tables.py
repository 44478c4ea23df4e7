"""Identity context: users, API keys, failed logins, outbox and inbox.

Revision ID: identity_0001
Revises:
Create Date: 2026-11-26 04:13:05.753082
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared_kernel.infrastructure import column_types

revision: str = "identity_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("identity",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=5), nullable=False),
        sa.Column("lookup_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("last_used_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("revoked_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_api_keys")),
        sa.UniqueConstraint("lookup_id", name=op.f("uq_identity_api_keys_lookup_id")),
    )
    with op.batch_alter_table("identity_api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "identity_inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscriber", sa.String(length=200), nullable=False),
        sa.Column("processed_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "subscriber", name=op.f("pk_identity_inbox")),
    )
    op.create_table(
        "identity_login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=False),
        sa.Column("failed_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_login_failures")),
    )
    with op.batch_alter_table("identity_login_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identity_login_failures_email_client",
            ["email", "client", "failed_at"],
            unique=False,
        )
        batch_op.create_index("ix_identity_login_failures_failed_at", ["failed_at"], unique=False)

    op.create_table(
        "identity_outbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("occurred_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("delivered_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_identity_outbox")),
    )
    with op.batch_alter_table("identity_outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identity_outbox_pending", ["delivered_at", "next_attempt_at"], unique=False
        )

    op.create_table(
        "identity_users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_users")),
        sa.UniqueConstraint("email", name=op.f("uq_identity_users_email")),
    )


def downgrade() -> None:
    op.drop_table("identity_users")
    with op.batch_alter_table("identity_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_outbox_pending")

    op.drop_table("identity_outbox")
    with op.batch_alter_table("identity_login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_login_failures_failed_at")
        batch_op.drop_index("ix_identity_login_failures_email_client")

    op.drop_table("identity_login_failures")
    op.drop_table("identity_inbox")
    with op.batch_alter_table("identity_api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_api_keys_user_id"))

    op.drop_table("identity_api_keys")
