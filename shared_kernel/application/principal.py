"""Who is calling: resolved from a credential by the identity context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

READ = "read"
WRITE = "write"


@dataclass(frozen=True)
class Principal:
    user_id: UUID
    scopes: frozenset[str]

    @property
    def can_write(self) -> bool:
        return WRITE in self.scopes


class PrincipalResolver(Protocol):
    async def resolve(self, credential: str) -> Principal | None:
        """The principal a bearer credential stands for; None when it is not valid."""
        ...
