"""Fixtures of the identity API tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI

from bootstrap.app import create_app
from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from tests.api.identity.identity_api import client_of, create_key
from tests.conftest import FAST_PASSWORD_HASHER, TEST_SECRET_KEY

MakeApp = Callable[..., Awaitable[FastAPI]]
"""``await make_app(allow_registration=False)``: another app on the same database."""


@pytest.fixture
async def make_app(database_url: str) -> AsyncIterator[MakeApp]:
    async with contextlib.AsyncExitStack() as stack:

        async def make(**values: Any) -> FastAPI:
            settings = Settings(
                database_url=database_url, **{"secret_key": TEST_SECRET_KEY, **values}
            )
            container = RootContainer(settings=settings)
            container.identity.password_hasher.override(providers.Object(FAST_PASSWORD_HASHER))
            app = create_app(settings, container)
            await stack.enter_async_context(app.router.lifespan_context(app))
            return app

        yield make


@pytest.fixture
async def write_key(client: httpx.AsyncClient) -> dict[str, Any]:
    """A write-scoped API key of owner@example.com (the creation response)."""
    return await create_key(client, "write", "writer")


@pytest.fixture
async def read_key(client: httpx.AsyncClient) -> dict[str, Any]:
    """A read-scoped API key of owner@example.com (the creation response)."""
    return await create_key(client, "read", "reader")


@pytest.fixture
async def read_client(app: FastAPI, read_key: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app, read_key["key"]) as client:
        yield client


@pytest.fixture
async def write_client(app: FastAPI, write_key: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app, write_key["key"]) as client:
        yield client
