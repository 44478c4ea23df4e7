"""Accounts: registration, logging in, and the failed-login limit (injected clock)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from contexts.identity.application.accounts import (
    FAILED_LOGIN_WINDOW,
    MAX_FAILED_LOGINS,
    AccountService,
)
from contexts.identity.contracts import UserRegistered
from contexts.identity.domain.errors import (
    EmailTaken,
    InvalidCredentials,
    RegistrationClosed,
    UserNotFound,
)
from contexts.identity.infrastructure.access_tokens import JwtAccessTokens
from shared_kernel.domain.errors import InvalidInput, TooManyRequests
from tests.unit.identity.fakes import FixedClock, IdentityStore

PASSWORD = "correct horse battery staple"
WRONG = "incorrect horse battery staple"
EMAIL = "ada@example.com"


def test_the_limit_is_10_failures_a_minute() -> None:
    assert MAX_FAILED_LOGINS == 10
    assert timedelta(minutes=1) == FAILED_LOGIN_WINDOW


async def test_register_stores_a_hash_and_announces_the_user(
    accounts: AccountService, store: IdentityStore, clock: FixedClock
) -> None:
    user = await accounts.register("  Ada@Example.com ", PASSWORD)
    assert user.email == EMAIL
    assert user.created_at == clock.now()
    assert store.users[user.id].password_hash != PASSWORD
    assert PASSWORD not in store.users[user.id].password_hash
    assert [type(e) for e in store.events] == [UserRegistered]
    assert store.events[0].user_id == user.id  # type: ignore[attr-defined]


async def test_emails_are_unique_whatever_their_case(accounts: AccountService) -> None:
    await accounts.register(EMAIL, PASSWORD)
    with pytest.raises(EmailTaken):
        await accounts.register("ADA@example.COM", "another password!")


async def test_a_short_password_registers_nobody(
    accounts: AccountService, store: IdentityStore
) -> None:
    with pytest.raises(InvalidInput):
        await accounts.register(EMAIL, "too short")
    assert store.users == {}


async def test_closed_registration_refuses_but_the_operator_may_still_create_users(
    make_accounts: Callable[..., AccountService], store: IdentityStore
) -> None:
    accounts = make_accounts(registration_open=False)
    with pytest.raises(RegistrationClosed) as error:
        await accounts.register(EMAIL, PASSWORD)
    assert error.value.code == "REGISTRATION_CLOSED"
    assert store.users == {}
    user = await accounts.create_user(EMAIL, PASSWORD)
    assert store.users[user.id].email == EMAIL


async def test_log_in_issues_a_token_for_the_user(
    accounts: AccountService, tokens: JwtAccessTokens, clock: FixedClock
) -> None:
    user = await accounts.register(EMAIL, PASSWORD)
    issued = await accounts.log_in("ADA@example.com", PASSWORD)
    assert issued.expires_in == 30 * 60
    assert tokens.verify(issued.token, clock.now()) == user.id


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (EMAIL, WRONG),
        (EMAIL, ""),
        (EMAIL, PASSWORD.upper()),
        (EMAIL, f" {PASSWORD}"),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ],
)
async def test_a_bad_login_is_invalid_credentials(
    accounts: AccountService, email: str, password: str
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    with pytest.raises(InvalidCredentials) as error:
        await accounts.log_in(email, password)
    assert error.value.detail == "Incorrect email or password."


async def _fail(accounts: AccountService, times: int) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            await accounts.log_in(EMAIL, WRONG)


async def test_the_eleventh_attempt_is_refused_even_with_the_right_password(
    accounts: AccountService, clock: FixedClock
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await _fail(accounts, MAX_FAILED_LOGINS)
    with pytest.raises(TooManyRequests) as error:
        await accounts.log_in(EMAIL, PASSWORD)
    assert error.value.code == "RATE_LIMITED"
    assert error.value.retry_after_seconds == 60


async def test_nine_failures_still_let_the_right_password_in(accounts: AccountService) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await _fail(accounts, MAX_FAILED_LOGINS - 1)
    await accounts.log_in(EMAIL, PASSWORD)


async def test_retry_after_counts_down_to_when_the_oldest_failure_leaves_the_window(
    accounts: AccountService, clock: FixedClock
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await _fail(accounts, 1)
    clock.advance(seconds=20)
    await _fail(accounts, MAX_FAILED_LOGINS - 1)
    clock.advance(seconds=15.5)
    with pytest.raises(TooManyRequests) as error:
        await accounts.log_in(EMAIL, PASSWORD)
    assert error.value.retry_after_seconds == 25  # ceil(60 - 35.5)

    clock.advance(seconds=24.5)  # the first failure is exactly a minute old
    issued = await accounts.log_in(EMAIL, PASSWORD)
    assert issued.token


async def test_the_lockout_ends_after_a_minute(accounts: AccountService, clock: FixedClock) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await _fail(accounts, MAX_FAILED_LOGINS)
    clock.advance(seconds=59)
    with pytest.raises(TooManyRequests) as error:
        await accounts.log_in(EMAIL, PASSWORD)
    assert error.value.retry_after_seconds == 1
    clock.advance(seconds=1)
    await accounts.log_in(EMAIL, PASSWORD)


async def test_a_refused_attempt_does_not_extend_the_lockout(
    accounts: AccountService, clock: FixedClock
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await _fail(accounts, MAX_FAILED_LOGINS)
    for _ in range(5):
        clock.advance(seconds=10)
        with pytest.raises(TooManyRequests):
            await accounts.log_in(EMAIL, WRONG)
    clock.advance(seconds=10)
    await accounts.log_in(EMAIL, PASSWORD)


async def test_the_limit_is_per_email_whatever_its_case(accounts: AccountService) -> None:
    await accounts.register(EMAIL, PASSWORD)
    for variant in ["ADA@example.com", "Ada@Example.Com", " ada@example.com "] * 4:
        with pytest.raises((InvalidCredentials, TooManyRequests)):
            await accounts.log_in(variant, WRONG)
    with pytest.raises(TooManyRequests):
        await accounts.log_in(EMAIL, PASSWORD)


async def test_the_limit_applies_to_unknown_emails_too(accounts: AccountService) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(InvalidCredentials):
            await accounts.log_in("ghost@example.com", WRONG)
    with pytest.raises(TooManyRequests):
        await accounts.log_in("ghost@example.com", WRONG)


async def test_another_email_is_not_locked_out(accounts: AccountService) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await accounts.register("bob@example.com", PASSWORD)
    await _fail(accounts, MAX_FAILED_LOGINS)
    await accounts.log_in("bob@example.com", PASSWORD)


async def test_a_success_forgets_the_emails_failures(
    accounts: AccountService, store: IdentityStore
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await accounts.register("bob@example.com", PASSWORD)
    await _fail(accounts, 5)
    with pytest.raises(InvalidCredentials):
        await accounts.log_in("bob@example.com", WRONG)
    await accounts.log_in(EMAIL, PASSWORD)
    assert [email for (email, _) in store.login_failures] == ["bob@example.com"]
    await _fail(accounts, MAX_FAILED_LOGINS - 1)
    await accounts.log_in(EMAIL, PASSWORD)


async def test_old_failures_are_forgotten(
    accounts: AccountService, store: IdentityStore, clock: FixedClock
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await _fail(accounts, 3)
    clock.advance(minutes=2)
    await _fail(accounts, 1)
    assert [at for (_, at) in store.login_failures] == [clock.now()]


async def test_who_am_i(accounts: AccountService) -> None:
    user = await accounts.register(EMAIL, PASSWORD)
    assert (await accounts.user(user.id)).email == EMAIL
    assert (await accounts.user_by_email("ADA@EXAMPLE.COM")).id == user.id
    with pytest.raises(UserNotFound):
        await accounts.user_by_email("nobody@example.com")


async def test_parallel_guesses_cannot_all_pass_the_check_before_any_is_counted(
    accounts: AccountService,
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    results = await asyncio.gather(
        *(accounts.log_in(EMAIL, WRONG) for _ in range(25)), return_exceptions=True
    )
    assert sum(isinstance(r, InvalidCredentials) for r in results) == MAX_FAILED_LOGINS
    assert sum(isinstance(r, TooManyRequests) for r in results) == 25 - MAX_FAILED_LOGINS


async def test_a_success_leaves_no_failure_behind(
    accounts: AccountService, store: IdentityStore
) -> None:
    await accounts.register(EMAIL, PASSWORD)
    await accounts.log_in(EMAIL, PASSWORD)
    assert store.login_failures == []
