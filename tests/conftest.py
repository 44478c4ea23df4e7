"""Fixtures shared by every test: databases on SQLite and PostgreSQL, and the app."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap.app import create_app
from bootstrap.container import RootContainer
from bootstrap.migrations import TARGET_METADATA, upgrade_to_heads
from bootstrap.settings import Settings
from contexts.identity.infrastructure.passwords import Argon2PasswordHasher
from shared_kernel.infrastructure.database import create_engine
from tests.databases import (
    POSTGRES_REQUIRED,
    create_postgres_database,
    drop_postgres_database,
    postgres_unavailable_reason,
)

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade_to_heads(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    reason = postgres_unavailable_reason()
    if reason is not None:
        if POSTGRES_REQUIRED:
            pytest.fail(f"{reason}; STOCKBOOK_TEST_REQUIRE_POSTGRES=1 makes it mandatory")
        pytest.skip(f"{reason}; set it up to run the PostgreSQL half of the SQL tests")
    url = create_postgres_database()
    upgrade_to_heads(url)
    yield url
    drop_postgres_database(url)


async def _empty_postgres(url: str) -> None:
    # DELETE, not TRUNCATE: on a few small tables it is several times faster.
    engine = create_engine(make_url(url))
    async with engine.begin() as connection:
        for metadata in TARGET_METADATA:
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())
    await engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database: a copy of the SQLite template, or PostgreSQL emptied."""
    if request.param == "sqlite":
        path = tmp_path / "stockbook.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_empty_postgres(url))
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(make_url(database_url))
    yield engine
    await engine.dispose()


TEST_SECRET_KEY = secrets.token_hex(32)
"""Given, as production must: without it, development keeps a generated key in a file (for
PostgreSQL in the working directory, which would be the checkout)."""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET_KEY)


FAST_PASSWORD_HASHER = Argon2PasswordHasher(
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
)
"""Argon2 with minimal cost: the same code path, without the deliberate slowness."""

PASSWORD = "correct horse battery staple"


@pytest.fixture
def container(settings: Settings) -> RootContainer:
    container = RootContainer(settings=settings)
    container.identity.password_hasher.override(providers.Object(FAST_PASSWORD_HASHER))
    return container


@pytest.fixture
async def app(settings: Settings, container: RootContainer) -> AsyncIterator[FastAPI]:
    app = create_app(settings, container)
    async with app.router.lifespan_context(app):
        yield app


def http_client(app: FastAPI, token: str | None = None) -> httpx.AsyncClient:
    """A client of the in-process app; with ``token``, it sends it as a Bearer token."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


async def register_and_log_in(app: FastAPI, email: str) -> str:
    """Register ``email`` through the API and return an access token for it."""
    async with http_client(app) as anonymous:
        registered = await anonymous.post(
            "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        issued = await anonymous.post(
            "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
        )
        assert issued.status_code == 200, issued.text
        token: str = issued.json()["access_token"]
        return token


@pytest.fixture
async def anonymous_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as client:
        yield client


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticated as owner@example.com (full read and write access)."""
    async with http_client(app, await register_and_log_in(app, "owner@example.com")) as client:
        yield client


@pytest.fixture
async def other_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client authenticated as a second user, intruder@example.com."""
    token = await register_and_log_in(app, "intruder@example.com")
    async with http_client(app, token) as client:
        yield client
