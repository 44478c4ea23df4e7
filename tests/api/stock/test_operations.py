"""Operations endpoints (health, metrics) and the OpenAPI document."""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from tests.api.stock.stock_api import STOCKS, CreateStock
from tests.conftest import http_client

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


async def test_health_needs_no_credentials(
    anonymous_client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    response = await anonymous_client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]
    await create_stock("AAPL")
    response = await anonymous_client.get("/health/ready")
    assert response.status_code == 200
    # the event of the registration was delivered right after its commit
    assert response.json() == {"status": "ok", "database": "ok", "outbox_backlog": 0}


async def test_metrics_count_requests_by_route_template_and_status(
    anonymous_client: httpx.AsyncClient, client: httpx.AsyncClient, create_stock: CreateStock
) -> None:
    stock = await create_stock("AAPL")
    for _ in range(3):
        assert (await client.get(f"{STOCKS}/{stock['id']}")).status_code == 200
    await client.get(f"{STOCKS}/00000000-0000-0000-0000-000000000000")
    await client.get("/api/v1/no-such-route")
    response = await anonymous_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "# TYPE stockbook_http_requests_total counter" in text
    assert (
        'stockbook_http_requests_total{method="GET",route="/api/v1/stocks/{stock_id}",'
        'status="200"} 3.0'
    ) in text
    assert (
        'stockbook_http_requests_total{method="GET",route="/api/v1/stocks/{stock_id}",'
        'status="404"} 1.0'
    ) in text
    assert (
        'stockbook_http_requests_total{method="POST",route="/api/v1/stocks",status="201"} 1.0'
    ) in text
    assert stock["id"] not in text  # labels are templates, never concrete ids
    assert re.search(r'route="unmatched",status="404"} 1\.0', text)
    assert re.search(
        r'stockbook_http_request_duration_seconds_count\{method="GET",'
        r'route="/api/v1/stocks/\{stock_id\}"\} 4\.0',
        text,
    )
    assert re.search(r"^stockbook_outbox_backlog 0\.0$", text, re.MULTILINE)


async def test_a_made_up_method_is_counted_as_other(
    anonymous_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    """A client picks the method: each made-up one would otherwise be a new series
    (a counter and a histogram) kept for the life of the process."""
    for method in ("BREW", "WHEN"):
        response = await client.request(method, STOCKS)
        assert response.status_code == 405, method
    text = (await anonymous_client.get("/metrics")).text
    other = r'stockbook_http_requests_total\{method="other",[^}]*status="405"\} 2\.0'
    assert re.search(other, text)
    assert "BREW" not in text
    assert "WHEN" not in text


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


async def test_openapi_documents_every_operation(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    found = operations(schema)
    stock_operations = {
        ("POST", "/api/v1/stocks"),
        ("GET", "/api/v1/stocks"),
        ("GET", "/api/v1/stocks/{stock_id}"),
        ("GET", "/api/v1/stocks/by-symbol/{symbol}"),
        ("PATCH", "/api/v1/stocks/{stock_id}"),
        ("DELETE", "/api/v1/stocks/{stock_id}"),
        ("PUT", "/api/v1/stocks/{stock_id}/prices"),
        ("GET", "/api/v1/stocks/{stock_id}/prices"),
        ("POST", "/api/v1/prices/import"),
        ("POST", "/api/v1/stocks/{stock_id}/splits"),
        ("GET", "/api/v1/stocks/{stock_id}/splits"),
        ("GET", "/health/live"),
        ("GET", "/health/ready"),
        ("GET", "/metrics"),
    }
    assert stock_operations <= {(method, path) for method, path, _ in found}
    for method, path, operation in found:
        where = f"{method} {path}"
        assert operation.get("summary"), where
        assert operation.get("tags"), where
        for status, documented in operation["responses"].items():
            if (path, status) == ("/health/ready", "503"):
                continue  # not a problem: "503 with the same shape" as the 200 (API.md)
            if status.startswith(("4", "5")):
                assert set(documented.get("content", {})) == {"application/problem+json"}, (
                    where,
                    status,
                )
    # the body limit refuses a body over 10 MiB before any route: each that takes one says so
    taking_a_body = [(m, p) for m, p, operation in found if "requestBody" in operation]
    assert len(taking_a_body) >= 12
    for method, path, operation in found:
        if "requestBody" in operation:
            assert "413" in operation["responses"], (method, path)
        assert "500" in operation["responses"], (method, path)  # any operation may fail
        if "201" in operation["responses"]:
            assert "Location" in operation["responses"]["201"]["headers"], (method, path)
    for method, path, operation in found:
        if (method, path) in stock_operations and path.startswith("/api/v1"):
            assert operation["tags"] == ["stock"], (method, path)

    paths = schema["paths"]
    assert {"409", "415", "422"} <= set(paths["/api/v1/stocks"]["post"]["responses"])
    assert {"404", "412", "422"} <= set(paths["/api/v1/stocks/{stock_id}"]["patch"]["responses"])
    assert {"404", "412"} <= set(paths["/api/v1/stocks/{stock_id}"]["delete"]["responses"])
    assert {"413", "415", "422"} <= set(paths["/api/v1/prices/import"]["post"]["responses"])
    csv_body = paths["/api/v1/prices/import"]["post"]["requestBody"]["content"]
    assert set(csv_body) == {"text/csv"}
    # decimals are strings in responses
    schemas = schema["components"]["schemas"]
    price_out = next(schemas[name] for name in ("PriceOut", "PriceOut-Output") if name in schemas)
    assert price_out["properties"]["close"]["type"] == "string"


async def test_ready_is_503_once_the_sqlite_file_is_removed_or_replaced(
    app: FastAPI, database_url: str
) -> None:
    """A connection keeps writing into a deleted file, which is lost at the next start:
    the app is not ready, whatever the database answers."""
    if not database_url.startswith("sqlite"):
        assert (await _ready(app)) == (200, "ok")  # PostgreSQL has no file to lose
        return
    path = make_url(database_url).database or ""
    assert (await _ready(app)) == (200, "ok")
    moved = f"{path}.moved"
    os.rename(path, moved)
    assert (await _ready(app)) == (503, "database file is gone")
    shutil.copyfile(moved, path)  # the same content, another file
    assert (await _ready(app)) == (503, "database file was replaced")
    os.replace(moved, path)  # the file the app opened, back in its place
    assert (await _ready(app)) == (200, "ok")


async def _ready(app: FastAPI) -> tuple[int, str]:
    async with http_client(app) as anonymous:
        response = await anonymous.get("/health/ready")
    body = response.json()
    assert set(body) == {"status", "database", "outbox_backlog"}
    return response.status_code, body["database"]
