"""What the stock API tests share: paths, the create-stock signature, problem checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

STOCKS = "/api/v1/stocks"

CreateStock = Callable[..., Awaitable[dict[str, Any]]]
"""``await create_stock("AAPL", sector=...)``: the registered stock's body."""


def assert_problem(
    response: httpx.Response, status: int, code: str, *fields: str
) -> dict[str, Any]:
    """Assert an RFC 9457 problem response; ``fields`` must each be named in ``errors``."""
    assert response.status_code == status, response.text
    content_type = response.headers.get("content-type")
    assert content_type == "application/problem+json", (content_type, response.text[:200])
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "title", "status", "detail", "code", "errors", "request_id"}
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "urn:stockbook:problem:" + code.lower().replace("_", "-")
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["errors"], list)
    assert body["request_id"] == response.headers["x-request-id"]
    named = {error.get("field") for error in body["errors"]}
    for field in fields:
        assert field in named, f"{field} not in {body['errors']}"
    for text in (body["detail"], str(body["errors"])):
        assert "Traceback" not in text
        assert not {"SELECT", "INSERT", "UPDATE"} & set(text.upper().split())
    return body
