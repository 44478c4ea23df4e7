"""What the identity API tests share: paths, clients, problem checks, key creation."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
from fastapi import FastAPI

from tests.conftest import PASSWORD

REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"
API_KEYS = "/api/v1/auth/api-keys"

__all__ = ["API_KEYS", "ME", "PASSWORD", "REGISTER", "TOKEN"]


def client_of(
    app: FastAPI,
    token: str | None = None,
    address: tuple[str, int] = ("127.0.0.1", 123),
) -> httpx.AsyncClient:
    """A client of the in-process app, seen by the app as coming from ``address``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=address)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """An RFC 9457 problem with the documented shape, status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "title", "status", "detail", "code", "errors", "request_id"}
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "urn:stockbook:problem:" + code.lower().replace("_", "-")
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text
    return body


def assert_unauthenticated(response: httpx.Response) -> dict[str, Any]:
    """401 UNAUTHENTICATED with ``WWW-Authenticate: Bearer``."""
    body = assert_problem(response, 401, "UNAUTHENTICATED")
    assert response.headers.get("www-authenticate") == "Bearer", response.headers
    return body


def b64url(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


async def log_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(TOKEN, data={"username": email, "password": password})


async def create_key(client: httpx.AsyncClient, scope: str, name: str = "a key") -> dict[str, Any]:
    """Create an API key with ``client``'s credential (asserts 201); its body."""
    response = await client.post(API_KEYS, json={"name": name, "scope": scope})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
