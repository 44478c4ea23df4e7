"""Passwords and their hashes are never answered, stored in clear, or logged."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from contexts.identity.infrastructure.tables import users
from tests.api.identity.identity_api import (
    API_KEYS,
    ME,
    REGISTER,
    TOKEN,
    client_of,
    create_key,
)

PASSWORD = "Unmistakable-Pa55phrase!"


async def _password_hash(app: FastAPI, email: str) -> str:
    async with app.state.container.engine().connect() as connection:
        row = (await connection.execute(select(users).where(users.c.email == email))).one()
    password_hash: str = row.password_hash
    return password_hash


async def test_no_response_carries_the_password_or_its_hash(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responses: list[httpx.Response] = []
    async with client_of(app) as anonymous:
        responses.append(
            await anonymous.post(REGISTER, json={"email": "ada@example.com", "password": PASSWORD})
        )
        responses.append(
            await anonymous.post(REGISTER, json={"email": "ada@example.com", "password": PASSWORD})
        )  # 409
        responses.append(
            await anonymous.post(TOKEN, data={"username": "ada@example.com", "password": "x" * 12})
        )  # 401
        issued = await anonymous.post(
            TOKEN, data={"username": "ada@example.com", "password": PASSWORD}
        )
        responses.append(issued)
    token = issued.json()["access_token"]
    async with client_of(app, token) as ada:
        responses.append(await ada.get(ME))
        await create_key(ada, "read")
        responses.append(await ada.get(API_KEYS))

    assert [r.status_code for r in responses] == [201, 409, 401, 200, 200, 200]
    password_hash = await _password_hash(app, "ada@example.com")
    assert password_hash.startswith("$argon2id$")
    for response in responses:
        assert PASSWORD not in response.text
        assert password_hash not in response.text
        assert "argon2" not in response.text
        assert "password" not in response.json()
        assert "password_hash" not in response.text
        assert all(PASSWORD not in value for value in response.headers.values())

    everything = _text_of(caplog.records)
    assert PASSWORD not in everything  # not even in a driver's debug output
    # A database driver's DEBUG output shows the statements' parameters; what
    # the app itself logs, and anything at the INFO level it runs at, must not.
    ours = _text_of(
        r for r in caplog.records if r.levelno >= logging.INFO or r.name.startswith(OUR_LOGGERS)
    )
    assert password_hash not in ours
    assert token not in ours


OUR_LOGGERS = ("contexts", "shared_kernel", "bootstrap", "uvicorn", "fastapi", "starlette")


def _text_of(records: Iterable[logging.LogRecord]) -> str:
    return "\n".join(f"{r.getMessage()} {r.args} {r.exc_text or ''}" for r in records)


@pytest.mark.parametrize(
    "password",
    ["short-Pa55", "L0ng-" * 30, "M" * 5001],
    ids=["too-short", "too-long", "over-the-body-limit"],
)
async def test_a_refused_password_is_not_echoed_or_logged(
    anonymous_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, password: str
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await anonymous_client.post(
        REGISTER, json={"email": "ada@example.com", "password": password}
    )
    assert response.status_code == 422
    assert password not in response.text
    assert password[:30] not in response.text
    assert all(password[:30] not in record.getMessage() for record in caplog.records)


async def test_the_database_holds_a_salted_argon2_hash_not_the_password(
    anonymous_client: httpx.AsyncClient, app: FastAPI
) -> None:
    for email in ("ada@example.com", "bob@example.com"):
        response = await anonymous_client.post(
            REGISTER, json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 201
    ada = await _password_hash(app, "ada@example.com")
    bob = await _password_hash(app, "bob@example.com")
    assert ada.startswith("$argon2id$")
    assert PASSWORD not in ada
    assert ada != bob  # same password, different salt
