"""``create_app()``: the one FastAPI app, composed from every context."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from bootstrap.container import RootContainer
from bootstrap.metrics import Metrics, MetricsMiddleware
from bootstrap.migrations import head_revisions, upgrade_to_heads
from bootstrap.operations import build_operations_router
from bootstrap.settings import Settings, load_settings
from shared_kernel.infrastructure import failpoints
from shared_kernel.web.body_limit import BodyLimitMiddleware
from shared_kernel.web.head import HeadAsGetMiddleware
from shared_kernel.web.problems import (
    Problem,
    UnexpectedErrorMiddleware,
    install_problem_handlers,
    problem_responses,
)
from shared_kernel.web.request_id import RequestIdMiddleware
from shared_kernel.web.routing import serve_routes_of

MAX_BODY_BYTES = 10 * 1024 * 1024
RELAY_STOP_SECONDS = 5.0
"""How long a stopping app waits for the outbox relay's pass under way."""

SERVED_GC_THRESHOLDS = (100_000, 20, 10)
"""The collector's thresholds in a served process (CPython's default: 700, 10, 10).

A request's objects die by reference counting; what a collection finds alive
is what the request still holds. With a young generation of 700, a
100,000-row CSV import, which holds its rows, transactions and events until
it answers, set off 2,900 young, 270 middle and 12–14 full collections,
each full one walking everything the import held: 3.4 s of a 15 s import
(in process, PostgreSQL). With these thresholds: 17 young collections and no
full one, 0.5 s in all.
"""

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, container: RootContainer | None = None) -> FastAPI:
    """The app; ``container`` lets tests override providers before it is built."""
    settings = settings or load_settings()
    container = container or RootContainer(settings=settings)
    container.secret_key()  # a bad or missing key stops the start, not the first login
    for variable in settings.ignored_test_switches:
        logger.warning("%s is a test-only switch: ignored in production", variable)
    failpoints.arm(settings.armed_failpoints)
    if settings.unsafe_ledger:
        logger.warning("STOCKBOOK_TEST_UNSAFE_LEDGER: the share ledger takes no position locks")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.is_production:
            await asyncio.to_thread(upgrade_to_heads, settings.database_url)
        stopping = asyncio.Event()
        relay_task = asyncio.create_task(container.relay().run(stopping), name="outbox-relay")
        try:
            yield
        finally:
            stopping.set()
            # A pass that outlasts this (a long backlog) is cancelled: its rows stay due.
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(relay_task, RELAY_STOP_SECONDS)
            await container.engine().dispose()

    app = FastAPI(
        title="StockBook",
        version="1.0.0",
        summary="Portfolio management: stocks, portfolios, transactions, cost basis, performance.",
        lifespan=lifespan,
        # StockBook reports through /metrics and X-Request-ID. FastAPI's native
        # OpenTelemetry hook would look up the global providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.container = container
    metrics = Metrics()
    install_problem_handlers(app)
    app.add_middleware(HeadAsGetMiddleware)  # innermost: the others see the HEAD
    app.add_middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(UnexpectedErrorMiddleware)  # inside the two below: they see its 500
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)

    for context in (
        container.identity,
        container.stock,
        container.portfolio,
        container.transaction,
    ):
        serve_routes_of(app, context.router())
    serve_routes_of(
        app,
        build_operations_router(container.engine(), container.relay(), metrics, head_revisions()),
    )
    _document_problems(app)
    return app


def create_served_app(settings: Settings | None = None) -> FastAPI:
    """The app as ``stockbook serve`` runs it, once in each worker process.

    What is built by now (modules, the container, the routes and their
    validators) lives as long as the process, so ``gc.freeze()`` takes it out
    of the collector's generations. Otherwise every full collection walks it
    again: under load, pauses that put the by-id read's p99 at 7× its p50
    (1.6× frozen) and cost a sixth of its throughput. The collector then
    runs with ``SERVED_GC_THRESHOLDS``.
    """
    app = create_app(settings)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVED_GC_THRESHOLDS)
    return app


_LOCATION = {
    "description": "The path of what was created (of its list, where it has no path of its own).",
    "schema": {"type": "string"},
}


def _document_problems(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
            )
            # The body limit refuses a body over 10 MiB before any route runs; any
            # operation may fail; every 201 names what it made (API.md "Created").
            too_large = problem_responses(413)[413]
            internal_error = problem_responses(500)[500]
            for item in schema["paths"].values():
                for operation in item.values():
                    responses = operation["responses"]
                    if "requestBody" in operation:
                        responses.setdefault("413", too_large)
                    responses.setdefault("500", internal_error)
                    if "201" in responses:
                        responses["201"].setdefault("headers", {})["Location"] = _LOCATION
            problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(problem_schema.pop("$defs", {}))
            components["Problem"] = problem_schema
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
