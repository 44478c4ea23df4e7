"""An app for schemathesis: its own database (SQLite, then PostgreSQL) and lifespan,
with seeded data and two real users, both known to schemathesis.

Schemathesis drives an ASGI app from its own event-loop thread and starts the
app's lifespan there itself, so this app is not the async ``app`` fixture (whose
lifespan runs on the test's loop); it is built here, once per module and database, and
seeded through schemathesis's own ASGI client.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from dependency_injector import providers
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi

from bootstrap.app import create_app
from bootstrap.container import RootContainer
from bootstrap.settings import Settings
from tests.conftest import (
    DATABASES,
    FAST_PASSWORD_HASHER,
    PASSWORD,
    TEST_SECRET_KEY,
    _empty_postgres,
)


@dataclass(frozen=True)
class Seeded:
    app: FastAPI
    owner_token: str
    other_token: str
    ids: dict[str, str]


def _log_in(client: Any, email: str) -> str:
    registered = client.post(
        "http://testserver/api/v1/auth/register", json={"email": email, "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    issued = client.post(
        "http://testserver/api/v1/auth/token", data={"username": email, "password": PASSWORD}
    )
    assert issued.status_code == 200, issued.text
    token: str = issued.json()["access_token"]
    return token


def _seed(client: Any, token: str) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    base = "http://testserver/api/v1"

    def created(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(f"{base}{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    stock = created("/stocks", {"symbol": "FUZZ", "name": "Fuzz Corp", "sector": "Energy"})
    prices = client.put(
        f"{base}/stocks/{stock['id']}/prices",
        json={
            "prices": [{"date": "2025-01-02", "close": "10"}, {"date": "2025-01-03", "close": "11"}]
        },
        headers=headers,
    )
    assert prices.status_code == 200, prices.text
    portfolio = created("/portfolios", {"name": "Fuzzed"})
    created(
        f"/portfolios/{portfolio['id']}/transactions",
        {"type": "DEPOSIT", "amount": "1000", "executed_at": "2025-01-01T10:00:00Z"},
    )
    buy = created(
        f"/portfolios/{portfolio['id']}/transactions",
        {
            "type": "BUY",
            "stock_id": stock["id"],
            "quantity": "10",
            "price": "10",
            "executed_at": "2025-01-02T10:00:00Z",
        },
    )
    key = created("/auth/api-keys", {"name": "fuzz", "scope": "read"})
    return {
        "stock_id": stock["id"],
        "portfolio_id": portfolio["id"],
        "transaction_id": buy["id"],
        "key_id": key["id"],
        "symbol": "FUZZ",
    }


@pytest.fixture(scope="module", params=DATABASES)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Seeded]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "stockbook.db"
        shutil.copyfile(sqlite_template, path)
        database_url = f"sqlite+aiosqlite:///{path}"
    else:
        database_url = request.getfixturevalue("postgres_url")
        asyncio.run(_empty_postgres(database_url))
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET_KEY)
    container = RootContainer(settings=settings)
    container.identity.password_hasher.override(providers.Object(FAST_PASSWORD_HASHER))
    app = create_app(settings, container)
    # schemathesis types ASGI messages as dict, Starlette (rightly) as MutableMapping.
    with asgi.get_client(app) as client:  # type: ignore[arg-type]
        owner = _log_in(client, "owner@example.com")
        other = _log_in(client, "intruder@example.com")
        ids = _seed(client, owner)
    yield Seeded(app=app, owner_token=owner, other_token=other, ids=ids)
    # Schemathesis keeps a lifespan it started running until the process exits;
    # stop it now, so the engine lets go of its database.
    asgi.shutdown_lifespans()


PROBED_SCHEMES = {"http", "apiKey"}


def _as_bearer(raw: dict[str, Any]) -> dict[str, Any]:
    """The schema with its OAuth2 password flow declared as what it puts on the wire.

    A password-flow token goes out as ``Authorization: Bearer …``, which is exactly an
    ``http`` ``bearer`` scheme; but schemathesis's ``ignored_auth`` only knows how to take
    away or forge credentials of ``http`` and ``apiKey`` schemes, and on an ``oauth2`` one it
    silently checks nothing.
    """
    schemes = raw["components"]["securitySchemes"]
    for name, scheme in schemes.items():
        if scheme["type"] == "oauth2":
            schemes[name] = {
                "type": "http",
                "scheme": "bearer",
                "description": scheme.get("description", ""),
            }
    unprobed = {name for name, scheme in schemes.items() if scheme["type"] not in PROBED_SCHEMES}
    assert not unprobed, f"ignored_auth would not check these security schemes: {unprobed}"
    return raw


def load_schema(app: FastAPI, tokens: dict[str, str], directory: Path) -> schemathesis.BaseSchema:
    """The app's schema, with each user of ``tokens`` (name: bearer token) known to schemathesis.

    They are listed in a Web Fuzzing Commons auth document, schemathesis's way of knowing
    several users: the first sends every generated request, and all of them are ``peers``,
    whose objects must stay private to each other, so ``object_level_authorization`` replays
    the first one's reads of its own objects as the others.
    """
    document = directory / "users.json"
    entries = [
        {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
        for name, token in tokens.items()
    ]
    document.write_text(json.dumps({"auth": entries}))
    config = SchemathesisConfig.from_dict(
        {
            "auth": {
                "wfc": {"path": str(document), "user": next(iter(tokens)), "peers": list(tokens)}
            }
        }
    )
    # schemathesis types ASGI messages as dict, Starlette (rightly) as MutableMapping.
    with asgi.get_client(app) as client:  # type: ignore[arg-type]
        raw = client.get("http://testserver/openapi.json").json()
    schema = schemathesis.openapi.from_dict(_as_bearer(raw), config=config)
    # What `schemathesis.openapi.from_asgi` does: requests go to the app in process.
    schema.app = app
    return schema


@pytest.fixture(scope="module")
def api_schema(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    tokens = {"owner": seeded.owner_token, "intruder": seeded.other_token}
    return load_schema(seeded.app, tokens, tmp_path_factory.mktemp("users"))
