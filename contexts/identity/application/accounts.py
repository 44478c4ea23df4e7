"""Use cases for accounts: register, log in (rate-limited), who am I."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from uuid import UUID

from contexts.identity.application.ports import (
    AccessToken,
    AccessTokenService,
    IdentityReader,
    IdentityUnitOfWorkFactory,
    PasswordHasher,
)
from contexts.identity.domain.errors import (
    InvalidCredentials,
    RegistrationClosed,
    UserNotFound,
)
from contexts.identity.domain.user import User, check_password, email_of
from shared_kernel.application.clock import Clock
from shared_kernel.domain.errors import InvalidInput, TooManyRequests

MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW = timedelta(minutes=1)


class AccountService:
    def __init__(
        self,
        uow_factory: IdentityUnitOfWorkFactory,
        reader: IdentityReader,
        hasher: PasswordHasher,
        tokens: AccessTokenService,
        clock: Clock,
        registration_open: bool,
    ) -> None:
        self._uow_factory = uow_factory
        self._reader = reader
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._registration_open = registration_open
        self._dummy_hash: str | None = None

    async def register(self, email: str, password: str) -> User:
        """Self-service registration, while it is open."""
        if not self._registration_open:
            raise RegistrationClosed()
        return await self.create_user(email, password)

    async def create_user(self, email: str, password: str) -> User:
        """Create a user whatever the registration setting (the operator's command)."""
        normalized = email_of(email)
        check_password(password)
        password_hash = await asyncio.to_thread(self._hasher.hash, password)
        user = User.register(normalized, password_hash, self._clock.now())
        async with self._uow_factory() as uow:
            await uow.users.add(user)
            uow.collect(user)
            await uow.commit()
        return user

    async def log_in(self, email: str, password: str) -> AccessToken:
        """Check the password and issue an access token.

        After ``MAX_FAILED_LOGINS`` failures for one email within
        ``FAILED_LOGIN_WINDOW``, from wherever they came, every attempt for that
        email is refused with 429 until the oldest failure leaves the window:
        guesses spread over many addresses get no more tries than guesses from
        one. A success forgets the email's failures.
        """
        try:
            normalized = email_of(email)
        except InvalidInput:
            normalized = email.strip().lower()[:254]
        now = self._clock.now()
        # Counting and reserving are one transaction, serialized per email:
        # the attempt counts as a failure until the password is proven
        # right, so a burst of parallel guesses cannot all pass the check first.
        async with self._uow_factory() as uow:
            await uow.login_failures.lock(normalized)
            failures = await uow.login_failures.since(normalized, now - FAILED_LOGIN_WINDOW)
            if len(failures) >= MAX_FAILED_LOGINS:
                wait = failures[-MAX_FAILED_LOGINS] + FAILED_LOGIN_WINDOW - now
                raise TooManyRequests(
                    "Too many failed logins for this email; wait before trying again.",
                    retry_after_seconds=max(1, math.ceil(wait.total_seconds())),
                )
            await uow.login_failures.record(normalized, now)
            await uow.login_failures.forget_before(now - FAILED_LOGIN_WINDOW)
            await uow.commit()
        user = await self._reader.user_by_email(normalized)
        valid = await asyncio.to_thread(
            self._hasher.verify, user.password_hash if user else self._timing_decoy(), password
        )
        if user is None or not valid:
            raise InvalidCredentials()
        async with self._uow_factory() as uow:
            await uow.login_failures.clear(normalized)
            await uow.commit()
        return self._tokens.issue(user.id, now)

    async def user(self, user_id: UUID) -> User:
        user = await self._reader.user(user_id)
        if user is None:
            raise InvalidCredentials()
        return user

    async def user_by_email(self, email: str) -> User:
        user = await self._reader.user_by_email(email_of(email))
        if user is None:
            raise UserNotFound(email)
        return user

    def _timing_decoy(self) -> str:
        """A real hash to verify against when the email is unknown, so both take as long."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("not a password anyone has")
        return self._dummy_hash
