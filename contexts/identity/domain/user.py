"""Users: an email that identifies them and a password only they know."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contexts.identity.contracts import UserRegistered
from shared_kernel.domain.aggregate import AggregateRoot
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.ids import new_id

PASSWORD_MIN = 12
PASSWORD_MAX = 128
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def email_of(value: str) -> str:
    """Trim and lower-case an email address; emails are unique in any case."""
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise InvalidInput.for_field("email", "is not an email address")
    return email


def check_password(password: str) -> None:
    """A password is 12 to 128 characters (counted as Unicode characters)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidInput.for_field(
            "password", f"must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"
        )


@dataclass
class User(AggregateRoot):
    id: UUID
    email: str
    password_hash: str
    created_at: datetime

    def __post_init__(self) -> None:
        super().__init__()

    @classmethod
    def register(cls, email: str, password_hash: str, now: datetime) -> User:
        user = cls(id=new_id(), email=email_of(email), password_hash=password_hash, created_at=now)
        user.record(UserRegistered(user_id=user.id, occurred_at=now))
        return user
