"""POST /auth/register: open or closed, unique emails, password rules."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.api.identity.conftest import MakeApp
from tests.api.identity.identity_api import (
    ME,
    PASSWORD,
    REGISTER,
    assert_problem,
    client_of,
    log_in,
)

UTC_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


async def test_register_answers_201_with_the_user_and_a_location(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post(
        REGISTER, json={"email": "  Ada@Example.COM ", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "email", "created_at"}
    uuid.UUID(body["id"])
    assert body["email"] == "ada@example.com"
    assert UTC_TIMESTAMP.match(body["created_at"]), body["created_at"]
    assert response.headers["location"] == ME


async def test_a_registered_user_can_log_in_and_see_themselves(
    anonymous_client: httpx.AsyncClient,
) -> None:
    registered = await anonymous_client.post(
        REGISTER, json={"email": "ada@example.com", "password": PASSWORD}
    )
    issued = await log_in(anonymous_client, "ada@example.com")
    assert issued.status_code == 200, issued.text
    me = await anonymous_client.get(
        ME, headers={"Authorization": f"Bearer {issued.json()['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json() == registered.json()


@pytest.mark.parametrize("email", ["ada@example.com", " ADA@Example.COM"])
async def test_an_email_is_taken_whatever_its_case(
    anonymous_client: httpx.AsyncClient, email: str
) -> None:
    first = await anonymous_client.post(
        REGISTER, json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert first.status_code == 201
    again = await anonymous_client.post(
        REGISTER, json={"email": email, "password": "a different password"}
    )
    assert_problem(again, 409, "EMAIL_TAKEN")
    # the first registration still holds, with its own password
    assert (await log_in(anonymous_client, "ada@example.com")).status_code == 200
    refused = await log_in(anonymous_client, "ada@example.com", "a different password")
    assert refused.status_code == 401


@pytest.mark.parametrize("length", [12, 128])
async def test_passwords_of_12_and_128_characters_are_accepted(
    anonymous_client: httpx.AsyncClient, length: int
) -> None:
    password = ("pässwörd-" * 20)[:length]
    response = await anonymous_client.post(
        REGISTER, json={"email": "ada@example.com", "password": password}
    )
    assert response.status_code == 201, response.text
    assert (await log_in(anonymous_client, "ada@example.com", password)).status_code == 200


@pytest.mark.parametrize("length", [11, 129, 6000])
async def test_passwords_outside_12_to_128_characters_are_refused(
    anonymous_client: httpx.AsyncClient, length: int
) -> None:
    password = ("S3cr3t-" * 1000)[:length]
    response = await anonymous_client.post(
        REGISTER, json={"email": "ada@example.com", "password": password}
    )
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert [e["field"] for e in body["errors"]] == ["password"]
    if password:
        assert password not in response.text
    assert (await log_in(anonymous_client, "ada@example.com", password)).status_code != 200


@pytest.mark.parametrize("email", ["ada", "a b@example.com", "x" * 300])
async def test_a_malformed_email_is_refused(
    anonymous_client: httpx.AsyncClient, email: str
) -> None:
    response = await anonymous_client.post(REGISTER, json={"email": email, "password": PASSWORD})
    body = assert_problem(response, 422, "VALIDATION_ERROR")
    assert [e["field"] for e in body["errors"]] == ["email"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "ada@example.com"}, "password"),
        ({"email": "ada@example.com", "password": PASSWORD, "admin": True}, "admin"),
        ({"email": "ada@example.com", "password": 123456789012}, "password"),
    ],
)
async def test_missing_unknown_or_mistyped_fields_are_refused(
    anonymous_client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await anonymous_client.post(REGISTER, json=body)
    problem = assert_problem(response, 422, "VALIDATION_ERROR")
    assert field in [e["field"] for e in problem["errors"]]


async def test_a_form_body_is_unsupported_media(anonymous_client: httpx.AsyncClient) -> None:
    response = await anonymous_client.post(
        REGISTER, data={"email": "ada@example.com", "password": PASSWORD}
    )
    assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_closed_registration_answers_403_and_registers_nobody(make_app: MakeApp) -> None:
    app = await make_app(allow_registration=False)
    async with client_of(app) as anonymous:
        response = await anonymous.post(
            REGISTER, json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert_problem(response, 403, "REGISTRATION_CLOSED")
        assert "www-authenticate" not in response.headers
        assert (await log_in(anonymous, "ada@example.com")).status_code == 401


async def test_users_registered_before_closing_still_log_in(make_app: MakeApp) -> None:
    open_app = await make_app()
    async with client_of(open_app) as anonymous:
        created = await anonymous.post(
            REGISTER, json={"email": "ada@example.com", "password": PASSWORD}
        )
        assert created.status_code == 201
    closed_app = await make_app(allow_registration=False)
    async with client_of(closed_app) as anonymous:
        assert (await log_in(anonymous, "ada@example.com")).status_code == 200


async def test_register_needs_no_credential_and_ignores_a_bad_one(
    anonymous_client: httpx.AsyncClient,
) -> None:
    response = await anonymous_client.post(
        REGISTER,
        json={"email": "ada@example.com", "password": PASSWORD},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 201
