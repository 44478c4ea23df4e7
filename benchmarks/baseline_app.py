"""The limit: a bare Starlette app answering the two catalog reads of the real app.

``GET /stocks/{id}`` and ``GET /stocks?limit=50`` run the very SQL the app's
stock reader runs (the stock row with its latest close, from ``stock_stocks``
and ``stock_prices``) and answer the same JSON (a ``Stock``, a list page of
them), with no framework, validation, dependency injection, authentication or
middleware around it. PostgreSQL goes through an asyncpg pool as large as the
app's (``STOCKBOOK_DB_POOL_SIZE`` plus the same overflow), SQLite
through the standard library's ``sqlite3``, called right in the handler.

Run by the benchmarks under the same uvicorn settings as ``stockbook serve``:
``python -m benchmarks.baseline_app --port 8001 [--workers N]`` with the
database URL in ``STOCKBOOK_BASELINE_DATABASE_URL``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import asyncpg
import uvicorn
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bootstrap.settings import Settings
from shared_kernel.infrastructure.database import pool_overflow

URL_VARIABLE = "STOCKBOOK_BASELINE_DATABASE_URL"
DEFAULT_LIMIT = 50
MAX_LIMIT = 500

_LATEST_DATE = (
    "(SELECT max(latest.date) FROM stock_prices AS latest WHERE latest.stock_id = stock_stocks.id)"
)
_SELECT = (
    "SELECT stock_stocks.id, stock_stocks.symbol, stock_stocks.name, stock_stocks.currency, "
    "stock_stocks.sector, stock_stocks.industry_group, stock_stocks.exchange, "
    "stock_stocks.grade, stock_stocks.notes, stock_stocks.listed, stock_stocks.created_at, "
    "stock_stocks.updated_at, stock_stocks.version, "
    f"{_LATEST_DATE} AS latest_date, stock_prices.close AS latest_close "
    "FROM stock_stocks LEFT OUTER JOIN stock_prices ON stock_prices.stock_id = stock_stocks.id "
    f"AND stock_prices.date = {_LATEST_DATE} "
)
POSTGRES_BY_ID = _SELECT + "WHERE stock_stocks.id = $1"
POSTGRES_LIST = _SELECT + "WHERE stock_stocks.listed = true ORDER BY stock_stocks.symbol LIMIT $1"
SQLITE_BY_ID = _SELECT + "WHERE stock_stocks.id = ?"
SQLITE_LIST = _SELECT + "WHERE stock_stocks.listed = 1 ORDER BY stock_stocks.symbol LIMIT ?"


def _decimal_text(value: Any) -> str:
    return format(value if isinstance(value, Decimal) else Decimal(value), "f")


def _timestamp(value: Any) -> str:
    """UTC, with a ``Z``: PostgreSQL gives an aware datetime, SQLite naive text."""
    if isinstance(value, str):
        return value.replace(" ", "T") + "Z"
    text: str = value.isoformat()
    return text.replace("+00:00", "Z")


def _stock(row: Sequence[Any]) -> dict[str, Any]:
    stock_id = row[0] if not isinstance(row[0], str) else uuid.UUID(hex=row[0])
    latest_date = row[13]
    return {
        "id": str(stock_id),
        "symbol": row[1],
        "name": row[2],
        "currency": row[3],
        "sector": row[4],
        "industry_group": row[5],
        "exchange": row[6],
        "grade": row[7],
        "notes": row[8],
        "listed": bool(row[9]),
        "latest_price": None
        if latest_date is None
        else {
            "date": latest_date if isinstance(latest_date, str) else latest_date.isoformat(),
            "close": _decimal_text(row[14]),
        },
        "created_at": _timestamp(row[10]),
        "updated_at": _timestamp(row[11]),
        "version": row[12],
    }


def _page(rows: Sequence[Sequence[Any]], limit: int) -> dict[str, Any]:
    items = [_stock(row) for row in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        keyset = json.dumps([items[-1]["symbol"]]).encode()
        cursor = base64.urlsafe_b64encode(keyset).decode().rstrip("=")
    return {"items": items, "next_cursor": cursor}


def _limit(request: Request) -> int | None:
    try:
        limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
    except ValueError:
        return None
    return limit if 1 <= limit <= MAX_LIMIT else None


def _stock_id(request: Request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.path_params["stock_id"])
    except ValueError:
        return None


_NOT_FOUND = Response(b'{"detail":"not found"}', 404, media_type="application/json")
_BAD_LIMIT = Response(b'{"detail":"bad limit"}', 422, media_type="application/json")


def _postgres_app(url: str) -> Starlette:
    parsed = make_url(url).set(drivername="postgresql")
    dsn = parsed.render_as_string(hide_password=False)
    pool_size = int(
        os.environ.get("STOCKBOOK_DB_POOL_SIZE", Settings.model_fields["db_pool_size"].default)
    )
    pools: list[asyncpg.Pool] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        pools.append(
            await asyncpg.create_pool(
                dsn, min_size=1, max_size=pool_size + pool_overflow(pool_size)
            )
        )
        try:
            yield
        finally:
            await pools[0].close()

    async def get_stock(request: Request) -> Response:
        stock_id = _stock_id(request)
        if stock_id is None:
            return _NOT_FOUND
        row = await pools[0].fetchrow(POSTGRES_BY_ID, stock_id)
        if row is None:
            return _NOT_FOUND
        body = _stock(row)
        return JSONResponse(body, headers={"ETag": f'"{body["version"]}"'})

    async def list_stocks(request: Request) -> Response:
        limit = _limit(request)
        if limit is None:
            return _BAD_LIMIT
        return JSONResponse(_page(await pools[0].fetch(POSTGRES_LIST, limit + 1), limit))

    async def health(_: Request) -> Response:
        await pools[0].fetchval("SELECT 1")
        return JSONResponse({"status": "ok"})

    return _app(lifespan, get_stock, list_stocks, health)


def _sqlite_app(url: str) -> Starlette:
    path = make_url(url).database
    if not path:
        raise SystemExit(f"{URL_VARIABLE}: the SQLite URL names no file")
    connections: list[sqlite3.Connection] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        connections.append(sqlite3.connect(path, isolation_level=None))
        try:
            yield
        finally:
            connections[0].close()

    async def get_stock(request: Request) -> Response:
        stock_id = _stock_id(request)
        if stock_id is None:
            return _NOT_FOUND
        row = connections[0].execute(SQLITE_BY_ID, (stock_id.hex,)).fetchone()
        if row is None:
            return _NOT_FOUND
        body = _stock(row)
        return JSONResponse(body, headers={"ETag": f'"{body["version"]}"'})

    async def list_stocks(request: Request) -> Response:
        limit = _limit(request)
        if limit is None:
            return _BAD_LIMIT
        return JSONResponse(
            _page(connections[0].execute(SQLITE_LIST, (limit + 1,)).fetchall(), limit)
        )

    async def health(_: Request) -> Response:
        connections[0].execute("SELECT 1").fetchone()
        return JSONResponse({"status": "ok"})

    return _app(lifespan, get_stock, list_stocks, health)


def _app(lifespan: Any, get_stock: Any, list_stocks: Any, health: Any) -> Starlette:
    return Starlette(
        routes=[
            Route("/stocks/{stock_id}", get_stock),
            Route("/stocks", list_stocks),
            Route("/health", health),
        ],
        lifespan=lifespan,
    )


def create_app() -> Starlette:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        raise SystemExit(f"{URL_VARIABLE} is not set")
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_app(url)
    return _postgres_app(url)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.baseline_app")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "benchmarks.baseline_app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
    )


if __name__ == "__main__":
    main()
