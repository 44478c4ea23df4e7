"""POST /auth/token: the OAuth2 password flow and the failed-login limit."""

from __future__ import annotations

import asyncio

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tests.api.identity.conftest import MakeApp
from tests.api.identity.identity_api import (
    ME,
    PASSWORD,
    REGISTER,
    TOKEN,
    assert_problem,
    assert_unauthenticated,
    client_of,
    log_in,
)

EMAIL = "ada@example.com"
WRONG = "incorrect horse battery staple"


@pytest.fixture
async def ada(anonymous_client: httpx.AsyncClient) -> dict[str, str]:
    response = await anonymous_client.post(REGISTER, json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 201
    body: dict[str, str] = response.json()
    return body


async def test_the_password_flow_issues_a_bearer_token(
    anonymous_client: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    response = await log_in(anonymous_client, EMAIL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60

    token = body["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == ada["id"]
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert PASSWORD not in str(claims)

    me = await anonymous_client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == ada


async def test_the_lifetime_follows_stockbook_access_token_minutes(make_app: MakeApp) -> None:
    app = await make_app(access_token_minutes=5)
    async with client_of(app) as anonymous:
        await anonymous.post(REGISTER, json={"email": EMAIL, "password": PASSWORD})
        body = (await log_in(anonymous, EMAIL)).json()
    assert body["expires_in"] == 300
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 300


async def test_the_email_is_matched_whatever_its_case(
    anonymous_client: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    assert (await log_in(anonymous_client, " ADA@Example.com ")).status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (EMAIL, WRONG),
        (EMAIL, PASSWORD.upper()),
        (EMAIL, PASSWORD + " "),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ],
)
async def test_a_bad_login_is_401_and_does_not_say_which_part_was_wrong(
    anonymous_client: httpx.AsyncClient, ada: dict[str, str], email: str, password: str
) -> None:
    response = await log_in(anonymous_client, email, password)
    body = assert_unauthenticated(response)
    assert body["detail"] == "Incorrect email or password."


async def test_unknown_email_and_wrong_password_answer_alike(
    anonymous_client: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    unknown = (await log_in(anonymous_client, "nobody@example.com")).json()
    wrong = (await log_in(anonymous_client, EMAIL, WRONG)).json()
    unknown.pop("request_id")
    wrong.pop("request_id")
    assert unknown == wrong


@pytest.mark.parametrize(
    "form",
    [
        {"username": EMAIL},
        {"password": PASSWORD},
        {},
        {"username": "a" * 255 + "@example.com", "password": PASSWORD},
    ],
)
async def test_an_incomplete_form_is_a_validation_error(
    anonymous_client: httpx.AsyncClient, form: dict[str, str]
) -> None:
    assert_problem(await anonymous_client.post(TOKEN, data=form), 422, "VALIDATION_ERROR")


async def test_the_token_endpoint_takes_a_form_not_json(
    anonymous_client: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    response = await anonymous_client.post(TOKEN, json={"username": EMAIL, "password": PASSWORD})
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")  # as every endpoint answers
    as_text = await anonymous_client.post(
        TOKEN,
        content=f"username={EMAIL}&password={PASSWORD}",
        headers={"content-type": "text/plain"},
    )
    assert_problem(as_text, 415, "UNSUPPORTED_MEDIA_TYPE")
    multipart = await anonymous_client.post(
        TOKEN, files={"username": (None, EMAIL), "password": (None, PASSWORD)}
    )
    assert multipart.status_code == 200, multipart.text  # a form either way


@pytest.mark.parametrize("grant_type", ["password", None])
async def test_the_grant_type_is_password_or_left_out(
    anonymous_client: httpx.AsyncClient, ada: dict[str, str], grant_type: str | None
) -> None:
    form = {"username": EMAIL, "password": PASSWORD}
    if grant_type is not None:
        form["grant_type"] = grant_type
    assert (await anonymous_client.post(TOKEN, data=form)).status_code == 200


async def test_another_grant_type_is_refused(
    anonymous_client: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    form = {"username": EMAIL, "password": PASSWORD, "grant_type": "client_credentials"}
    body = assert_problem(await anonymous_client.post(TOKEN, data=form), 422, "VALIDATION_ERROR")
    assert "access_token" not in str(body)


# --- failed-login limit --------------------------------------------------------

HERE = ("10.1.1.1", 5000)
THERE = ("1.2.3.4", 123)


async def _fail_ten_times(app: FastAPI, email: str = EMAIL) -> None:
    async with client_of(app, address=HERE) as attacker:
        for attempt in range(10):
            response = await log_in(attacker, email, WRONG)
            assert response.status_code == 401, (attempt, response.text)


def _retry_after(response: httpx.Response) -> int:
    value = response.headers["retry-after"]
    assert value.isdigit(), value
    return int(value)


async def test_the_eleventh_attempt_is_refused_even_with_the_right_password(
    app: FastAPI, ada: dict[str, str]
) -> None:
    await _fail_ten_times(app)
    async with client_of(app, address=HERE) as same_client:
        response = await log_in(same_client, EMAIL, PASSWORD)
        assert_problem(response, 429, "RATE_LIMITED")
        assert 1 <= _retry_after(response) <= 60
        assert "access_token" not in response.text

        again = await log_in(same_client, EMAIL, WRONG)
        assert_problem(again, 429, "RATE_LIMITED")
        assert 1 <= _retry_after(again) <= 60


async def test_the_limit_counts_the_email_whatever_its_case(
    app: FastAPI, ada: dict[str, str]
) -> None:
    async with client_of(app, address=HERE) as attacker:
        for attempt in range(10):
            variant = EMAIL.upper() if attempt % 2 else EMAIL.title()
            assert (await log_in(attacker, variant, WRONG)).status_code == 401
        assert (await log_in(attacker, EMAIL)).status_code == 429


async def test_unknown_emails_are_limited_too(app: FastAPI) -> None:
    await _fail_ten_times(app, "ghost@example.com")
    async with client_of(app, address=HERE) as attacker:
        assert (await log_in(attacker, "ghost@example.com", WRONG)).status_code == 429


async def test_guesses_from_another_address_count_for_the_same_email(
    app: FastAPI, ada: dict[str, str]
) -> None:
    """The limit is per email (API.md): moving to another address buys no tries."""
    async with client_of(app, address=HERE) as first:
        for _ in range(5):
            assert (await log_in(first, EMAIL, WRONG)).status_code == 401
    async with client_of(app, address=THERE) as second:
        for _ in range(5):
            assert (await log_in(second, EMAIL, WRONG)).status_code == 401
        assert_problem(await log_in(second, EMAIL), 429, "RATE_LIMITED")
    async with client_of(app, address=("5.6.7.8", 9)) as third:
        assert_problem(await log_in(third, EMAIL), 429, "RATE_LIMITED")


async def test_another_email_from_the_same_client_is_not_locked_out(
    app: FastAPI, anonymous_client: httpx.AsyncClient, ada: dict[str, str]
) -> None:
    other = await anonymous_client.post(
        REGISTER, json={"email": "bob@example.com", "password": PASSWORD}
    )
    assert other.status_code == 201
    await _fail_ten_times(app)
    async with client_of(app, address=HERE) as same_client:
        assert (await log_in(same_client, "bob@example.com")).status_code == 200


async def test_nine_failures_then_the_right_password_succeeds_and_resets_the_count(
    app: FastAPI, ada: dict[str, str]
) -> None:
    async with client_of(app, address=HERE) as user:
        for _ in range(9):
            assert (await log_in(user, EMAIL, WRONG)).status_code == 401
        assert (await log_in(user, EMAIL)).status_code == 200
        for _ in range(9):
            assert (await log_in(user, EMAIL, WRONG)).status_code == 401
        assert (await log_in(user, EMAIL)).status_code == 200


async def test_a_locked_out_client_keeps_its_existing_tokens(
    app: FastAPI, ada: dict[str, str]
) -> None:
    async with client_of(app, address=HERE) as user:
        token = (await log_in(user, EMAIL)).json()["access_token"]
    await _fail_ten_times(app)
    async with client_of(app, token, address=HERE) as user:
        assert (await user.get(ME)).status_code == 200


async def test_a_burst_of_parallel_guesses_gets_no_more_than_ten_tries(
    app: FastAPI, ada: dict[str, str]
) -> None:
    """The limit is not a check-then-act race: 30 guesses at once, at most 10 are tried."""
    async with client_of(app, address=HERE) as attacker:
        responses = await asyncio.gather(*(log_in(attacker, EMAIL, WRONG) for _ in range(30)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= 10, statuses
    assert statuses.count(429) >= 20, statuses
    async with client_of(app, address=HERE) as same_client:
        assert (await log_in(same_client, EMAIL)).status_code == 429
