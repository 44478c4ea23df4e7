"""Operations endpoints outside /api/v1: health and metrics (no auth)."""

from __future__ import annotations

import logging
import os

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bootstrap.metrics import Metrics
from bootstrap.migrations import current_revisions
from shared_kernel.infrastructure.database import is_sqlite, sqlite_file
from shared_kernel.infrastructure.outbox import OutboxRelay

logger = logging.getLogger(__name__)


class _DatabaseFile:
    """Whether an SQLite database file is still the one the app has open.

    A connection keeps working on a file that was deleted or replaced (its data
    gone with the next restart), so the check looks at the path: the file first
    seen there must still be there.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._first: tuple[int, int] | None = None

    def _identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self._path)
        except OSError:
            return None
        return (found.st_dev, found.st_ino)

    def problem(self) -> str | None:
        current = self._identity()
        if current is None:
            return "database file is gone"
        if self._first is None:
            self._first = current
        return None if current == self._first else "database file was replaced"


def build_operations_router(
    engine: AsyncEngine, relay: OutboxRelay, metrics: Metrics, head_revisions: set[str]
) -> APIRouter:
    router = APIRouter(tags=["operations"])
    database_file = _DatabaseFile(sqlite_file(engine.url)) if is_sqlite(engine.url) else None

    @router.get("/health/live", summary="The process is up")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/health/ready",
        summary="The database answers and its schema is at the latest migration",
        responses={503: {"description": "Not ready; same shape, status and database say why."}},
    )
    async def ready() -> JSONResponse:
        backlog: int | None = None
        database = database_file.problem() if database_file is not None else None
        if database is None:
            database = "ok"
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                    revisions = await connection.run_sync(current_revisions)
                if revisions != head_revisions:
                    database = "schema not at the latest migration"
                else:
                    backlog = await relay.backlog()
            except Exception as error:  # any failure to reach the database means "not ready"
                logger.warning("readiness check failed: %s", error)
                database = "unreachable"
        status = "ok" if database == "ok" else "unavailable"
        return JSONResponse(
            {"status": status, "database": database, "outbox_backlog": backlog},
            status_code=200 if status == "ok" else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus_metrics() -> Response:
        try:
            backlog = await relay.backlog()
        except Exception:  # metrics must answer even when the database does not
            backlog = -1
        return Response(
            metrics.render(backlog),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )

    return router
