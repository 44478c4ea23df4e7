"""A bug answers 500 as a problem like any other error: with the request id in the
X-Request-ID header and in the log line that holds the traceback, and without
taking the connection down."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI


async def test_an_unexpected_error_is_a_problem_traced_by_its_request_id(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken() -> None:
        raise RuntimeError("the secret internals")

    app.add_api_route("/api/v1/test-broken", broken)
    with caplog.at_level(logging.ERROR, logger="shared_kernel.web.problems"):
        response = await client.get("/api/v1/test-broken", headers={"X-Request-ID": "trace-1"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "trace-1"
    problem = response.json()
    assert (problem["code"], problem["request_id"]) == ("INTERNAL_ERROR", "trace-1")
    assert "secret" not in response.text
    (logged,) = [record for record in caplog.records if record.exc_info]
    assert "trace-1" in logged.getMessage()
    assert logged.exc_info is not None
    assert isinstance(logged.exc_info[1], RuntimeError)
    # the app answered: nothing goes on to the server, which would close the connection
    raising = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=raising, base_url="http://test") as strict:
        assert (await strict.get("/api/v1/test-broken")).status_code == 500
