"""API-wide conventions seen through the stock endpoints: problems, request ids,
404/405/413/415 and decimals on the wire."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx

from tests.api.stock.stock_api import STOCKS, CreateStock, assert_problem


async def test_problem_details_have_exactly_the_documented_shape(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        STOCKS,
        json={"symbol": "AAPL", "name": "Apple", "grade": "Z"},
        headers={"X-Request-ID": "req-123"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:stockbook:problem:validation-error",
        "title": "Invalid input",
        "status": 422,
        "detail": "grade: must be one of A, B, C, D, F",
        "code": "VALIDATION_ERROR",
        "errors": [{"field": "grade", "message": "must be one of A, B, C, D, F"}],
        "request_id": "req-123",
    }


async def test_request_ids_are_echoed_when_valid_and_generated_otherwise(
    client: httpx.AsyncClient,
) -> None:
    request_id: str | None  # a header value, or no header at all
    for request_id in ("abc", "3f0c-42.x:y_z", "A" * 128):
        response = await client.get(STOCKS, headers={"X-Request-ID": request_id})
        assert response.status_code == 200
        assert response.headers["x-request-id"] == request_id
    generated: set[str] = set()
    for request_id in ("", "has space", "A" * 129, "semi;colon", "ü", None):
        headers = [] if request_id is None else [(b"X-Request-ID", request_id.encode("latin-1"))]
        response = await client.get(STOCKS, headers=headers)
        assert response.status_code == 200
        assert response.headers["x-request-id"] != request_id
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
        generated.add(response.headers["x-request-id"])
    assert len(generated) == 6
    missing = await client.get(f"{STOCKS}/{uuid.uuid4()}")
    assert missing.json()["request_id"] == missing.headers["x-request-id"]


async def test_unknown_routes_are_404_and_wrong_methods_405_with_allow(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    body = assert_problem(await client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")
    assert body["detail"] == "Nothing at /api/v1/nothing-here."
    response = await client.put(STOCKS, json={})
    body = assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert body["detail"] == "PUT is not allowed on /api/v1/stocks."
    # the Allow header lists every method of the path, not just those of one route
    assert set(re.split(r",\s*", response.headers["allow"])) == {"GET", "HEAD", "POST"}
    stock = await create_stock()
    response = await client.post(f"{STOCKS}/{stock['id']}", json={})
    assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert set(re.split(r",\s*", response.headers["allow"])) == {"GET", "HEAD", "PATCH", "DELETE"}
    response = await client.delete(f"{STOCKS}/{stock['id']}/prices")
    assert_problem(response, 405, "METHOD_NOT_ALLOWED")
    assert set(re.split(r",\s*", response.headers["allow"])) == {"GET", "HEAD", "PUT"}
    # HEAD where there is no GET is a method like the others
    response = await client.head("/api/v1/auth/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.content == b""


async def test_head_answers_what_get_would_without_the_body(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock()
    get = await client.get(f"{STOCKS}/{stock['id']}")
    head = await client.head(f"{STOCKS}/{stock['id']}")
    assert (head.status_code, head.content) == (200, b"")
    for name in ("content-type", "content-length", "etag"):
        assert head.headers[name] == get.headers[name]
    # a list, an error and the CSV export alike
    listed = await client.head(STOCKS, params={"limit": 1})
    assert (listed.status_code, listed.content) == (200, b"")
    missing = await client.head(f"{STOCKS}/{uuid.uuid4()}")
    assert (missing.status_code, missing.content) == (404, b"")
    assert missing.headers["content-type"] == "application/problem+json"
    anonymous = await client.head(STOCKS, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"


async def test_json_endpoints_refuse_other_content_types_with_415(
    client: httpx.AsyncClient,
) -> None:
    content = b'{"symbol": "AAPL", "name": "Apple"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/csv", None):
        headers = {"content-type": content_type} if content_type else {}
        response = await client.post(STOCKS, content=content, headers=headers)
        assert_problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert (await client.get(STOCKS)).json()["items"] == []
    response = await client.post(
        STOCKS, content=content, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 201


TEN_MIB = 10 * 1024 * 1024


async def streamed(*chunks: bytes, padding: int = 0) -> AsyncIterator[bytes]:
    """A request body sent in chunks, without Content-Length."""
    yield chunks[0]
    for _ in range(padding // (1024 * 1024)):
        yield b" " * (1024 * 1024)
    for chunk in chunks[1:]:
        yield chunk


async def test_a_streamed_body_over_10_mib_is_413_and_stores_nothing(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock()
    body = streamed(
        b'{"prices": [{"date": "2025-01-02", "close": "1"}]', b"}", padding=TEN_MIB + 2**20
    )
    response = await client.put(
        f"{STOCKS}/{stock['id']}/prices",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    csv = streamed(b"symbol,date,close\n", b"AAPL,2025-01-02,1\n", padding=TEN_MIB + 2**20)
    response = await client.post(
        "/api/v1/prices/import", content=csv, headers={"content-type": "text/csv"}
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    prices = await client.get(f"{STOCKS}/{stock['id']}/prices")
    assert prices.json()["items"] == []


async def test_a_body_declared_over_10_mib_is_413(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock()
    content = b'{"prices": [{"date": "2025-01-02", "close": "1"}]' + b" " * TEN_MIB + b"}"
    response = await client.put(
        f"{STOCKS}/{stock['id']}/prices",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    response = await client.post(
        "/api/v1/prices/import", content=b"x" * (TEN_MIB + 1), headers={"content-type": "text/csv"}
    )
    assert_problem(response, 413, "PAYLOAD_TOO_LARGE")
    prices = await client.get(f"{STOCKS}/{stock['id']}/prices")
    assert prices.json()["items"] == []


async def test_a_body_of_exactly_10_mib_is_not_refused_for_its_size(
    client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock()
    core = '{"prices": [{"date": "2025-01-02", "close": "1"}]'
    content = (core + " " * (TEN_MIB - len(core) - 1) + "}").encode()
    assert len(content) == TEN_MIB
    response = await client.put(
        f"{STOCKS}/{stock['id']}/prices",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200, response.text


async def test_no_error_leaks_a_stack_trace_or_sql(client: httpx.AsyncClient) -> None:
    response = await client.get(STOCKS, params={"cursor": "W1siYSJdXQ"})  # [["a"]]
    body = assert_problem(response, 422, "VALIDATION_ERROR", "cursor")
    assert "Traceback" not in response.text
    assert body["errors"] == [{"field": "cursor", "message": "is not a cursor from this API"}]
