"""Every /api/v1 route needs a principal, except register and token — checked on the
live route table, so a route added later cannot be left open by mistake; and every
write needs the write scope."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route

from tests.conftest import http_client

API_PREFIX = "/api/v1"
PUBLIC = {("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/token")}
READS = {"GET", "HEAD", "OPTIONS"}
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")


def api_operations(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every operation under /api/v1.

    Recent FastAPI keeps included routers as nodes of ``app.routes``;
    ``iter_route_contexts`` flattens them into the routes actually served.
    """
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for entry in flatten(app.routes) if flatten else app.routes:
        path = getattr(entry, "path", None) or ""
        route = getattr(entry, "original_route", entry)
        if not path.startswith(API_PREFIX):
            assert not isinstance(route, Mount) or not API_PREFIX.startswith(path.rstrip("/")), (
                f"{path} is mounted: this test cannot see what it serves"
            )
            continue
        assert isinstance(route, APIRoute | Route), (
            f"{path} is a {type(route).__name__}: this test cannot see what it serves"
        )
        # `entry` is a route context or, on a FastAPI without them, the route checked above.
        assert not isinstance(entry, BaseRoute) or isinstance(entry, APIRoute | Route)
        for method in sorted(entry.methods or ()):
            yield method, path


def _concrete(path: str) -> str:
    return _PATH_PARAMETER.sub(lambda _: str(uuid.uuid4()), path)


def _protected(app: FastAPI) -> list[tuple[str, str]]:
    protected = [op for op in api_operations(app) if op not in PUBLIC]
    assert protected, "no /api/v1 route found: the route walk is broken"
    return protected


def test_the_route_table_is_what_this_test_expects(app: FastAPI) -> None:
    operations = set(api_operations(app))
    assert operations >= PUBLIC, "register and token moved: update PUBLIC"
    for expected in [
        ("GET", "/api/v1/auth/me"),
        ("POST", "/api/v1/auth/api-keys"),
        ("GET", "/api/v1/auth/api-keys"),
        ("DELETE", "/api/v1/auth/api-keys/{key_id}"),
        ("POST", "/api/v1/stocks"),
        ("GET", "/api/v1/stocks/{stock_id}"),
    ]:
        assert expected in operations
    assert len(operations) >= 10


async def refusals_missing(app: FastAPI, authorization: str | None) -> list[str]:
    """The protected operations that do not answer 401 UNAUTHENTICATED, Bearer."""
    headers = {"Authorization": authorization} if authorization else {}
    missing = []
    async with http_client(app) as caller:
        for method, path in _protected(app):
            response = await caller.request(method, _concrete(path), json={}, headers=headers)
            if (
                response.status_code != 401
                or response.headers.get("www-authenticate") != "Bearer"
                or response.headers.get("content-type") != "application/problem+json"
                or response.json().get("code") != "UNAUTHENTICATED"
            ):
                missing.append(f"{method} {path} → {response.status_code}")
    return missing


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-credential", "Bearer sbk_0123456789abcdef01_secret", "Basic Zm9vOmJhcg=="],
    ids=["anonymous", "garbage-token", "unknown-api-key", "basic-auth"],
)
async def test_every_api_route_but_register_and_token_refuses_without_a_credential(
    app: FastAPI, authorization: str | None
) -> None:
    assert await refusals_missing(app, authorization) == [], (
        "routes that do not demand a valid credential"
    )


async def test_a_route_left_open_is_caught(app: FastAPI) -> None:
    """The check itself works: a new unprotected route makes it fail."""
    forgotten = APIRouter(prefix=API_PREFIX)

    @forgotten.get("/forgotten/{thing_id}")
    async def forgotten_route(thing_id: str) -> dict[str, str]:
        return {"thing_id": thing_id}

    app.include_router(forgotten)
    assert await refusals_missing(app, None) == ["GET /api/v1/forgotten/{thing_id} → 200"]


async def test_register_and_token_are_reachable_without_a_credential(
    anonymous_client: httpx.AsyncClient,
) -> None:
    registered = await anonymous_client.post(
        "/api/v1/auth/register",
        json={"email": "ada@example.com", "password": "correct horse battery staple"},
    )
    assert registered.status_code == 201
    issued = await anonymous_client.post(
        "/api/v1/auth/token",
        data={"username": "ada@example.com", "password": "correct horse battery staple"},
    )
    assert issued.status_code == 200


async def test_every_write_refuses_a_read_scoped_key(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await client.post("/api/v1/auth/api-keys", json={"name": "ro", "scope": "read"})
    assert created.status_code == 201
    writes = [(m, p) for (m, p) in _protected(app) if m not in READS]
    assert len(writes) >= 3
    allowed = []
    async with http_client(app, created.json()["key"]) as reader:
        for method, path in writes:
            response = await reader.request(method, _concrete(path), json={})
            if response.status_code != 403 or response.json().get("code") != "INSUFFICIENT_SCOPE":
                allowed.append(f"{method} {path} → {response.status_code}")
    assert allowed == [], "writes that a read-scoped key is not refused"


async def test_an_anonymous_write_with_a_malformed_body_is_401_too(app: FastAPI) -> None:
    async with http_client(app) as anonymous:
        no_body = await anonymous.post("/api/v1/auth/api-keys")
        bad_json = await anonymous.post(
            "/api/v1/auth/api-keys",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    assert [no_body.status_code, bad_json.status_code] == [401, 401]
