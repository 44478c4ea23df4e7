"""Bearer credentials at the door: missing, malformed, expired, forged or revoked → 401."""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from contexts.identity.infrastructure.access_tokens import AUDIENCE, JwtAccessTokens
from shared_kernel.web.auth import MAX_CREDENTIAL_LENGTH
from tests.api.identity.conftest import MakeApp
from tests.api.identity.identity_api import (
    ME,
    PASSWORD,
    REGISTER,
    assert_unauthenticated,
    b64url,
    client_of,
    log_in,
    unb64url,
)
from tests.conftest import register_and_log_in

OTHER_SECRET = "a-completely-different-signing-key-0123456789"


def _secret(app: FastAPI) -> str:
    secret: str = app.state.container.secret_key()
    return secret


def _user_id(token: str) -> uuid.UUID:
    return uuid.UUID(jwt.decode(token, options={"verify_signature": False})["sub"])


@pytest.fixture
async def token(app: FastAPI) -> str:
    return await register_and_log_in(app, "ada@example.com")


async def _me(app: FastAPI, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with client_of(app) as anonymous:
        return await anonymous.get(ME, headers=headers)


async def test_a_valid_token_is_accepted(app: FastAPI, token: str) -> None:
    response = await _me(app, f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"


async def test_the_scheme_is_case_insensitive(app: FastAPI, token: str) -> None:
    assert (await _me(app, f"bearer {token}")).status_code == 200
    assert (await _me(app, f"BEARER {token}")).status_code == 200


MALFORMED = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer not-a-token",
    "Bearer a.b.c",
    "Basic YWRhQGV4YW1wbGUuY29tOnBhc3N3b3Jk",
    "Token sbk_0123_abc",
    "sbk_0123456789abcdef01_secret",
]


async def test_a_missing_or_malformed_credential_is_401(app: FastAPI) -> None:
    for authorization in MALFORMED:
        assert_unauthenticated(await _me(app, authorization))


async def test_a_token_sent_without_the_bearer_scheme_is_401(app: FastAPI, token: str) -> None:
    assert_unauthenticated(await _me(app, token))
    assert_unauthenticated(await _me(app, f"Basic {token}"))


async def test_an_absurdly_long_credential_is_401(app: FastAPI) -> None:
    assert_unauthenticated(await _me(app, "Bearer " + "x" * (MAX_CREDENTIAL_LENGTH + 1)))


async def test_an_expired_token_is_401(app: FastAPI, token: str) -> None:
    tokens = JwtAccessTokens(_secret(app), timedelta(minutes=30))
    long_ago = datetime.now(UTC) - timedelta(minutes=31)
    expired = tokens.issue(_user_id(token), long_ago).token
    assert_unauthenticated(await _me(app, f"Bearer {expired}"))

    barely_alive = tokens.issue(_user_id(token), datetime.now(UTC) - timedelta(minutes=29)).token
    assert (await _me(app, f"Bearer {barely_alive}")).status_code == 200


async def test_a_token_with_a_tampered_payload_is_401(app: FastAPI, token: str) -> None:
    header, payload, signature = token.split(".")
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    assert_unauthenticated(await _me(app, f"Bearer {header}.{flipped}.{signature}"))

    claims = unb64url(payload)
    claims["exp"] += 365 * 24 * 3600
    assert_unauthenticated(await _me(app, f"Bearer {header}.{b64url(claims)}.{signature}"))


async def test_a_token_for_someone_else_made_by_editing_sub_is_401(
    app: FastAPI, token: str, other_client: httpx.AsyncClient
) -> None:
    victim = (await other_client.get(ME)).json()["id"]
    header, payload, signature = token.split(".")
    claims = unb64url(payload)
    claims["sub"] = victim
    assert_unauthenticated(await _me(app, f"Bearer {header}.{b64url(claims)}.{signature}"))


async def test_a_token_with_a_tampered_signature_is_401(app: FastAPI, token: str) -> None:
    header, payload, signature = token.split(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    assert_unauthenticated(await _me(app, f"Bearer {header}.{payload}.{flipped}"))
    assert_unauthenticated(await _me(app, f"Bearer {header}.{payload}."))


async def test_a_token_signed_with_another_key_is_401(app: FastAPI, token: str) -> None:
    forged = JwtAccessTokens(OTHER_SECRET, timedelta(minutes=30)).issue(
        _user_id(token), datetime.now(UTC)
    )
    assert_unauthenticated(await _me(app, f"Bearer {forged.token}"))


async def test_an_alg_none_token_is_401(app: FastAPI, token: str) -> None:
    _header, payload, _signature = token.split(".")
    for alg in ("none", "None", "NONE", "nOnE"):
        unsigned = f"{b64url({'alg': alg, 'typ': 'JWT'})}.{payload}."
        assert_unauthenticated(await _me(app, f"Bearer {unsigned}"))
        assert_unauthenticated(await _me(app, f"Bearer {unsigned}{_signature}"))


async def test_a_token_with_another_algorithm_is_401_even_with_the_right_key(
    app: FastAPI, token: str
) -> None:
    now = datetime.now(UTC)
    claims = {
        "sub": str(_user_id(token)),
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    for algorithm in ("HS384", "HS512"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyJWT warns the key is short for HS384/HS512
            other_alg = jwt.encode(claims, _secret(app), algorithm=algorithm)
        assert_unauthenticated(await _me(app, f"Bearer {other_alg}"))


async def test_a_valid_token_for_a_user_that_does_not_exist_is_401(app: FastAPI) -> None:
    ghost = JwtAccessTokens(_secret(app), timedelta(minutes=30)).issue(
        uuid.uuid4(), datetime.now(UTC)
    )
    assert_unauthenticated(await _me(app, f"Bearer {ghost.token}"))


async def test_tokens_survive_a_restart(app: FastAPI, make_app: MakeApp, token: str) -> None:
    restarted = await make_app()
    assert _secret(restarted) == _secret(app)
    async with client_of(restarted, token) as client:
        assert (await client.get(ME)).status_code == 200


async def test_a_token_from_a_server_with_another_key_is_401(
    app: FastAPI, make_app: MakeApp
) -> None:
    elsewhere = await make_app(secret_key=OTHER_SECRET)
    async with client_of(elsewhere) as anonymous:
        await anonymous.post(REGISTER, json={"email": "bob@example.com", "password": PASSWORD})
        foreign = (await log_in(anonymous, "bob@example.com")).json()["access_token"]
    assert_unauthenticated(await _me(app, f"Bearer {foreign}"))
