"""API keys: long-lived credentials with a scope, shown once, stored hashed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from shared_kernel.domain.text import required_text

NAME_MAX = 100


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"

    def grants(self) -> frozenset[str]:
        """What a key of this scope may do: ``write`` includes ``read``."""
        return frozenset({"read", "write"}) if self is Scope.WRITE else frozenset({"read"})


def key_name_of(value: str) -> str:
    return required_text(value, "name", NAME_MAX)


@dataclass
class ApiKey:
    id: UUID
    user_id: UUID
    name: str
    scope: Scope
    lookup_id: str
    """Public part of the key, to find it without scanning every hash."""
    secret_hash: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
