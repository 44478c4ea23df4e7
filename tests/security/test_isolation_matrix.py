"""Another user's portfolio or transaction is answered exactly like one that does
not exist, on every route that names one, and the owner's data stays untouched.

The matrix comes from the live route table, so a route added later is covered
(and a new write route without a body below fails loudly).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI

from tests.security.conftest import OwnerData

ID_PARAMETERS = ("portfolio_id", "transaction_id")
_PARAMETER = re.compile(r"\{([^}]+)\}")

CSV_ROW = "executed_at,type,amount\n2025-01-05T10:00:00Z,DEPOSIT,5\n"


def _bodies(data: OwnerData) -> dict[tuple[str, str], dict[str, Any]]:
    """A request that would succeed for the owner, per write route (httpx kwargs)."""
    return {
        ("PATCH", "/api/v1/portfolios/{portfolio_id}"): {"json": {"name": "Pwned"}},
        ("POST", "/api/v1/portfolios/{portfolio_id}/transactions"): {
            "json": {
                "type": "SELL",
                "stock_id": data.stock_id,
                "quantity": "1",
                "price": "10",
                "executed_at": "2025-01-03T10:00:00Z",
            }
        },
        ("POST", "/api/v1/portfolios/{portfolio_id}/transactions/import"): {
            "content": CSV_ROW.encode(),
            "headers": {"Content-Type": "text/csv"},
        },
    }


def id_operations(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every served operation that takes one of ID_PARAMETERS."""
    for entry in fastapi.routing.iter_route_contexts(app.routes):
        path = getattr(entry, "path", None) or ""
        if set(_PARAMETER.findall(path)) & set(ID_PARAMETERS):
            for method in sorted(entry.methods or ()):
                if method != "HEAD":
                    yield method, path


def _fill(path: str, ids: dict[str, str]) -> str:
    return _PARAMETER.sub(lambda match: ids[match.group(1)], path)


def _shape(response: httpx.Response, ids: dict[str, str]) -> dict[str, Any]:
    body = response.json()
    detail = str(body.get("detail"))
    for value in ids.values():
        detail = detail.replace(value, "<id>")
    return {
        "status_code": response.status_code,
        "content_type": response.headers.get("content-type"),
        "type": body.get("type"),
        "title": body.get("title"),
        "status": body.get("status"),
        "code": body.get("code"),
        "errors": body.get("errors"),
        "detail": detail,
        "headers": sorted(
            name
            for name in response.headers
            if name not in ("content-length", "x-request-id", "date", "server")
        ),
    }


async def _owner_view(client: httpx.AsyncClient, data: OwnerData) -> dict[str, Any]:
    pid = data.portfolio_id
    views = {}
    for path in [
        f"/api/v1/portfolios/{pid}",
        f"/api/v1/transactions/{data.transaction_id}",
        f"/api/v1/portfolios/{pid}/transactions?include_voided=true",
        f"/api/v1/portfolios/{pid}/holdings?include_closed=true",
        f"/api/v1/portfolios/{pid}/transactions/export",
    ]:
        response = await client.get(path)
        assert response.status_code == 200, f"{path}: {response.text}"
        views[path] = (response.headers.get("etag"), response.text)
    return views


async def test_the_matrix_covers_the_routes_it_must(app: FastAPI) -> None:
    operations = set(id_operations(app))
    for expected in [
        ("GET", "/api/v1/portfolios/{portfolio_id}"),
        ("PATCH", "/api/v1/portfolios/{portfolio_id}"),
        ("DELETE", "/api/v1/portfolios/{portfolio_id}"),
        ("GET", "/api/v1/portfolios/{portfolio_id}/holdings"),
        ("POST", "/api/v1/portfolios/{portfolio_id}/transactions"),
        ("GET", "/api/v1/transactions/{transaction_id}"),
        ("DELETE", "/api/v1/transactions/{transaction_id}"),
    ]:
        assert expected in operations
    writes = {op for op in operations if op[0] in ("POST", "PUT", "PATCH")}
    missing = writes - set(_bodies(OwnerData("s", "p", "t")))
    assert not missing, f"write routes without a realistic body in _bodies: {missing}"


async def test_another_user_gets_exactly_the_unknown_id_answer_and_changes_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    owner_data: OwnerData,
) -> None:
    real = {"portfolio_id": owner_data.portfolio_id, "transaction_id": owner_data.transaction_id}
    unknown = {name: str(uuid.uuid4()) for name in ID_PARAMETERS}
    bodies = _bodies(owner_data)
    before = await _owner_view(client, owner_data)
    mismatches = []
    # A matching If-Match too: the owner's real ETag must not open the door either.
    etag = before[f"/api/v1/portfolios/{owner_data.portfolio_id}"][0]
    operations = list(id_operations(app))
    assert len(operations) >= 10
    for method, path in operations:
        for headers in ({}, {"If-Match": etag}):
            kwargs = dict(bodies.get((method, path), {}))
            kwargs["headers"] = {**kwargs.get("headers", {}), **headers}
            foreign = await other_client.request(method, _fill(path, real), **kwargs)
            missing = await other_client.request(method, _fill(path, unknown), **kwargs)
            got, expected = _shape(foreign, real), _shape(missing, unknown)
            if expected["code"] != "NOT_FOUND" or expected["status_code"] != 404 or got != expected:
                mismatches.append(f"{method} {path} {headers}: {got} != {expected}")
            for leaked in (*real.values(), "Mine", "private", "SAFE"):
                if leaked in foreign.text and leaked not in _fill(path, real):
                    mismatches.append(f"{method} {path}: the body names {leaked!r}")
            assert foreign.headers.get("x-request-id")
    assert mismatches == []
    assert await _owner_view(client, owner_data) == before


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_a_malformed_id_is_the_same_404(other_client: httpx.AsyncClient, method: str) -> None:
    malformed = await other_client.request(method, "/api/v1/portfolios/not-a-uuid", json={})
    unknown = await other_client.request(method, f"/api/v1/portfolios/{uuid.uuid4()}", json={})
    assert malformed.status_code == unknown.status_code == 404
    assert malformed.json()["code"] == unknown.json()["code"] == "NOT_FOUND"
