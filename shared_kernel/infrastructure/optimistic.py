"""Optimistic concurrency: an UPDATE guarded by the version it read."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult

from shared_kernel.domain.errors import PreconditionFailed


def ensure_one_row_updated(result: CursorResult[Any], what: str) -> None:
    """Refuse the write when another writer changed the row since it was read."""
    if result.rowcount != 1:
        raise PreconditionFailed(f"The {what} was changed by someone else; fetch it again.")
