"""The identity context's tables (prefix ``identity_``)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, UniqueConstraint, Uuid

from shared_kernel.infrastructure.column_types import UtcDateTime
from shared_kernel.infrastructure.metadata import context_metadata, inbox_table, outbox_table

metadata = context_metadata()

users = Table(
    "identity_users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("email"),
)

api_keys = Table(
    "identity_api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("scope", String(5), nullable=False),
    Column("lookup_id", String(32), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    UniqueConstraint("lookup_id"),
)

login_failures = Table(
    "identity_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
)
Index("ix_identity_login_failures_email", login_failures.c.email, login_failures.c.failed_at)
Index("ix_identity_login_failures_failed_at", login_failures.c.failed_at)

outbox = outbox_table(metadata, "identity")
inbox = inbox_table(metadata, "identity")
