"""Events: facts that happened, recorded by aggregates and published to others."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from shared_kernel.domain.ids import new_id


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True, slots=True)
class IntegrationEvent:
    """A fact another context may react to; published through the outbox.

    Subclasses live in a context's ``contracts`` module and are frozen,
    slotted dataclasses (``@dataclass(frozen=True, kw_only=True, slots=True)``,
    which the outbox's codec checks) of plain values (str, int, bool, Decimal,
    UUID, date, datetime, tuples and nested frozen dataclasses of the same).
    An import makes one per row: slots keep them small and quick to make.
    """

    event_id: UUID = field(default_factory=new_id)
    occurred_at: datetime = field(default_factory=_now)
