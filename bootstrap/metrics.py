"""Prometheus metrics: requests by route template and status, latency, outbox backlog."""

from __future__ import annotations

import time
from http import HTTPMethod

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HTTP_METHODS = frozenset(method.value for method in HTTPMethod)
"""RFC 9110's methods and PATCH: the method label of every other one is ``other``."""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "stockbook_http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "stockbook_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "stockbook_outbox_backlog",
            "Events committed to an outbox and not yet delivered.",
            registry=self.registry,
        )

        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def record_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count a request and observe its latency; each label set is looked up once.

        The client chooses the method: one outside ``_HTTP_METHODS`` is labelled
        ``other``, so that made-up methods cannot add series without end.
        """
        if method not in _HTTP_METHODS:
            method = "other"
        key = (method, route, status)
        series = self._series.get(key)
        if series is None:
            series = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._series[key] = series
        requests, latency = series
        requests.inc()
        latency.observe(seconds)

    def render(self, outbox_backlog: int) -> bytes:
        self.outbox_backlog.set(outbox_backlog)
        return generate_latest(self.registry)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.record_request(
                scope["method"], route, status, time.perf_counter() - started
            )
