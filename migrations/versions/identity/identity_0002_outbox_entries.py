"""Identity context: the outbox holds one row per committed unit of work, not per event.

An import wrote, and after delivery rewrote, one outbox row per transaction;
now a commit writes one entry with all its events. Undelivered events are
carried over as entries of their own (shared_kernel.infrastructure.outbox_migrations).

Revision ID: identity_0002
Revises: identity_0001
Create Date: 2026-11-27 08:00:00.000000
"""

from collections.abc import Sequence

from shared_kernel.infrastructure.outbox_migrations import (
    entries_to_event_rows,
    event_rows_to_entries,
)

revision: str = "identity_0002"
down_revision: str | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    event_rows_to_entries("identity")


def downgrade() -> None:
    entries_to_event_rows("identity")
