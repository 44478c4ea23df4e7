"""Published language of the identity context: what others may know of a user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType
from uuid import UUID

from shared_kernel.domain.events import IntegrationEvent

UserId = NewType("UserId", UUID)
"""The id of a user: the owner of portfolios and transactions."""


@dataclass(frozen=True, kw_only=True, slots=True)
class UserRegistered(IntegrationEvent):
    user_id: UUID


IDENTITY_EVENTS: tuple[type[IntegrationEvent], ...] = (UserRegistered,)
