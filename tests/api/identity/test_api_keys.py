"""/auth/api-keys: create (shown once), list (never the secret), revoke (at once), scopes."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from contexts.identity.infrastructure.tables import api_keys as api_keys_table
from tests.api.identity.identity_api import (
    API_KEYS,
    ME,
    assert_problem,
    assert_unauthenticated,
    client_of,
    create_key,
)

UTC_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
STOCKS = "/api/v1/stocks"


async def test_create_answers_201_with_the_key_shown_once(client: httpx.AsyncClient) -> None:
    response = await client.post(API_KEYS, json={"name": " price importer ", "scope": "write"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "name", "scope", "key", "created_at"}
    uuid.UUID(body["id"])
    assert body["name"] == "price importer"
    assert body["scope"] == "write"
    assert body["key"].startswith("sbk_")
    assert len(body["key"]) >= 40
    assert UTC_TIMESTAMP.match(body["created_at"])
    assert response.headers["location"] == API_KEYS


async def test_a_key_works_as_a_bearer_token(
    app: FastAPI, client: httpx.AsyncClient, write_key: dict[str, Any]
) -> None:
    owner = (await client.get(ME)).json()
    async with client_of(app, write_key["key"]) as by_key:
        response = await by_key.get(ME)
        assert response.status_code == 200
        assert response.json() == owner


async def test_the_list_never_shows_the_secret(
    client: httpx.AsyncClient, write_key: dict[str, Any], read_key: dict[str, Any]
) -> None:
    response = await client.get(API_KEYS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    assert [item["id"] for item in body["items"]] == [write_key["id"], read_key["id"]]
    for item, created in zip(body["items"], [write_key, read_key], strict=True):
        assert set(item) == {"id", "name", "scope", "created_at", "last_used_at"}
        assert item["name"] == created["name"]
        assert item["scope"] == created["scope"]
        assert item["created_at"] == created["created_at"]
    for created in (write_key, read_key):
        secret = created["key"].split("_", 2)[2]
        assert secret not in response.text
        assert created["key"] not in response.text


async def test_using_a_key_sets_last_used_at(
    client: httpx.AsyncClient, read_client: httpx.AsyncClient, read_key: dict[str, Any]
) -> None:
    (before,) = (await client.get(API_KEYS)).json()["items"]
    assert before["last_used_at"] is None
    assert (await read_client.get(ME)).status_code == 200
    (after,) = (await client.get(API_KEYS)).json()["items"]
    assert after["last_used_at"] is not None
    assert UTC_TIMESTAMP.match(after["last_used_at"])


async def test_keys_are_stored_hashed(
    app: FastAPI, write_key: dict[str, Any], read_key: dict[str, Any]
) -> None:
    async with app.state.container.engine().connect() as connection:
        rows = (await connection.execute(select(api_keys_table))).mappings().all()
    assert len(rows) == 2
    for row, created in zip(
        sorted(rows, key=lambda r: str(r["id"])),
        sorted([write_key, read_key], key=lambda c: c["id"]),
        strict=True,
    ):
        secret = created["key"].split("_", 2)[2]
        for value in row.values():
            assert secret not in str(value)
            assert created["key"] not in str(value)
        assert len(row["secret_hash"]) == 64


async def test_each_user_sees_only_their_own_keys(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, write_key: dict[str, Any]
) -> None:
    theirs = await create_key(other_client, "read", "intruder's")
    assert [k["id"] for k in (await other_client.get(API_KEYS)).json()["items"]] == [theirs["id"]]
    assert [k["id"] for k in (await client.get(API_KEYS)).json()["items"]] == [write_key["id"]]


async def test_revoking_answers_204_and_the_key_stops_working_at_once(
    app: FastAPI, client: httpx.AsyncClient, write_key: dict[str, Any]
) -> None:
    async with client_of(app, write_key["key"]) as by_key:
        assert (await by_key.get(ME)).status_code == 200
        response = await client.delete(f"{API_KEYS}/{write_key['id']}")
        assert response.status_code == 204
        assert response.content == b""
        assert_unauthenticated(await by_key.get(ME))
        assert_unauthenticated(await by_key.get(API_KEYS))
    assert (await client.get(API_KEYS)).json()["items"] == []


async def test_a_key_may_revoke_itself(app: FastAPI, write_key: dict[str, Any]) -> None:
    async with client_of(app, write_key["key"]) as by_key:
        assert (await by_key.delete(f"{API_KEYS}/{write_key['id']}")).status_code == 204
        assert_unauthenticated(await by_key.get(ME))


async def test_revoking_one_key_leaves_the_others_working(
    app: FastAPI,
    client: httpx.AsyncClient,
    write_key: dict[str, Any],
    read_key: dict[str, Any],
) -> None:
    assert (await client.delete(f"{API_KEYS}/{write_key['id']}")).status_code == 204
    async with client_of(app, read_key["key"]) as by_key:
        assert (await by_key.get(ME)).status_code == 200
    assert (await client.get(ME)).status_code == 200  # the access token too


async def test_revoking_twice_is_not_found(
    client: httpx.AsyncClient, write_key: dict[str, Any]
) -> None:
    assert (await client.delete(f"{API_KEYS}/{write_key['id']}")).status_code == 204
    assert_problem(await client.delete(f"{API_KEYS}/{write_key['id']}"), 404, "NOT_FOUND")


async def test_revoking_an_unknown_key_is_not_found(client: httpx.AsyncClient) -> None:
    for key_id in (uuid.uuid4(), "not-a-uuid", "123"):
        assert_problem(await client.delete(f"{API_KEYS}/{key_id}"), 404, "NOT_FOUND")


async def test_another_users_key_is_not_found_and_keeps_working(
    app: FastAPI, other_client: httpx.AsyncClient, write_key: dict[str, Any]
) -> None:
    unknown = await other_client.delete(f"{API_KEYS}/{uuid.uuid4()}")
    response = await other_client.delete(f"{API_KEYS}/{write_key['id']}")
    body = assert_problem(response, 404, "NOT_FOUND")
    assert body["detail"] == unknown.json()["detail"]  # indistinguishable from a missing one
    async with client_of(app, write_key["key"]) as by_key:
        assert (await by_key.get(ME)).status_code == 200


BAD_KEY_REQUESTS: list[tuple[dict[str, Any], str]] = [
    ({"name": "k"}, "scope"),
    ({"scope": "read"}, "name"),
    ({"name": "k", "scope": "admin"}, "scope"),
    ({"name": "k", "scope": "READ"}, "scope"),
    ({"name": "", "scope": "read"}, "name"),
    ({"name": "   ", "scope": "read"}, "name"),
    ({"name": "n" * 101, "scope": "read"}, "name"),
    ({"name": "k", "scope": "read", "expires": "never"}, "expires"),
]


async def test_a_bad_key_request_is_a_validation_error(client: httpx.AsyncClient) -> None:
    for body, field in BAD_KEY_REQUESTS:
        response = await client.post(API_KEYS, json=body)
        problem = assert_problem(response, 422, "VALIDATION_ERROR")
        assert field in [e["field"] for e in problem["errors"]], (body, problem)
    assert (await client.get(API_KEYS)).json()["items"] == []


async def test_a_key_name_of_100_characters_is_accepted(client: httpx.AsyncClient) -> None:
    created = await create_key(client, "read", "n" * 100)
    assert created["name"] == "n" * 100


# --- scopes --------------------------------------------------------------------


async def test_a_read_key_may_read(read_client: httpx.AsyncClient) -> None:
    assert (await read_client.get(ME)).status_code == 200
    assert (await read_client.get(API_KEYS)).status_code == 200
    assert (await read_client.get(STOCKS)).status_code == 200


async def test_a_read_key_may_not_create_keys(
    client: httpx.AsyncClient, read_client: httpx.AsyncClient
) -> None:
    response = await read_client.post(API_KEYS, json={"name": "escalate", "scope": "write"})
    body = assert_problem(response, 403, "INSUFFICIENT_SCOPE")
    assert "www-authenticate" not in response.headers
    assert "key" not in body
    assert [k["name"] for k in (await client.get(API_KEYS)).json()["items"]] == ["reader"]


async def test_a_read_key_may_not_revoke_keys(
    client: httpx.AsyncClient,
    read_client: httpx.AsyncClient,
    write_key: dict[str, Any],
    read_key: dict[str, Any],
) -> None:
    for key in (write_key, read_key):
        response = await read_client.delete(f"{API_KEYS}/{key['id']}")
        assert_problem(response, 403, "INSUFFICIENT_SCOPE")
    assert len((await client.get(API_KEYS)).json()["items"]) == 2


async def test_a_read_key_may_not_write_elsewhere_either(read_client: httpx.AsyncClient) -> None:
    response = await read_client.post(STOCKS, json={"symbol": "AAPL", "name": "Apple Inc."})
    assert_problem(response, 403, "INSUFFICIENT_SCOPE")
    assert (await read_client.get(STOCKS)).json()["items"] == []


async def test_a_write_key_may_write(write_client: httpx.AsyncClient) -> None:
    created = await write_client.post(STOCKS, json={"symbol": "AAPL", "name": "Apple Inc."})
    assert created.status_code == 201, created.text
    key = await create_key(write_client, "read", "made by a key")
    assert (await write_client.delete(f"{API_KEYS}/{key['id']}")).status_code == 204


async def test_an_access_token_may_write(client: httpx.AsyncClient) -> None:
    created = await client.post(STOCKS, json={"symbol": "AAPL", "name": "Apple Inc."})
    assert created.status_code == 201, created.text


async def test_a_wrong_secret_for_a_real_key_is_401(
    app: FastAPI, write_key: dict[str, Any]
) -> None:
    prefix, lookup, secret = write_key["key"].split("_", 2)
    wrong = f"{prefix}_{lookup}_{secret[:-1]}{'a' if secret[-1] != 'a' else 'b'}"
    async with client_of(app, wrong) as forger:
        assert_unauthenticated(await forger.get(ME))
