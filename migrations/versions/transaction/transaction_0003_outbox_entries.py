"""Transaction context: the outbox holds one row per committed unit of work, not per event.

An import wrote, and after delivery rewrote, one outbox row per transaction;
now a commit writes one entry with all its events. Undelivered events are
carried over as entries of their own (shared_kernel.infrastructure.outbox_migrations).

Revision ID: transaction_0003
Revises: transaction_0002
Create Date: 2026-11-27 08:00:00.000000
"""

from collections.abc import Sequence

from shared_kernel.infrastructure.outbox_migrations import (
    entries_to_event_rows,
    event_rows_to_entries,
)

revision: str = "transaction_0003"
down_revision: str | None = "transaction_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    event_rows_to_entries("txn")


def downgrade() -> None:
    entries_to_event_rows("txn")
