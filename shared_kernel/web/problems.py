"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared_kernel.domain.errors import (
    Conflict,
    DomainError,
    ErrorDetail,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    TooManyRequests,
    Unauthenticated,
)

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

STATUS_OF: dict[type[DomainError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    Unauthenticated: 401,
    Forbidden: 403,
    TooManyRequests: 429,
}

_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("VALIDATION_ERROR", "Invalid input"),
    401: ("UNAUTHENTICATED", "Unauthenticated"),
    403: ("FORBIDDEN", "Forbidden"),
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    413: ("PAYLOAD_TOO_LARGE", "Payload too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
    422: ("VALIDATION_ERROR", "Invalid input"),
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_CONTENT_TYPE


def request_id_of(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def problem(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: Sequence[ErrorDetail] = (),
    headers: Mapping[str, str] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": f"urn:stockbook:problem:{code.lower().replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "errors": [_error_json(error) for error in errors],
        "request_id": request_id_of(request),
    }
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def _error_json(error: ErrorDetail) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if error.line is not None:
        body["line"] = error.line
    if error.field is not None:
        body["field"] = error.field
    body["message"] = error.message
    return body


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


async def handle_domain_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, DomainError)
    return domain_problem(request, error)


def domain_problem(request: Request, error: DomainError) -> ProblemResponse:
    """The problem that answers ``error``, raised while serving ``request``."""
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after_seconds)
    return problem(request, status, error.code, error.title, error.detail, error.errors, headers)


def _field_name(location: Sequence[int | str]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: Mapping[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    if error.get("type") == "missing":
        return "is required"
    message = str(error.get("msg", "is invalid"))
    return message[:1].lower() + message[1:]


DEFERRED_BODY_PROBLEM = "stockbook.deferred_body_problem"
"""Scope key: what was wrong with the body, told only once the caller is authenticated.

A body that is not JSON (415) or not valid JSON (422) is not refused as it is
read — that happens before the credentials are checked, and an anonymous
caller must get 401 whatever it sends. It is noted here instead; the body then
fails validation after the dependencies (authentication) ran, and the handler
answers with the problem noted.
"""


@dataclass(frozen=True)
class BodyProblem:
    status: int
    """415 (not JSON) or 422 (not valid JSON)."""
    detail: str


def defer_body_problem(scope: MutableMapping[str, Any], body_problem: BodyProblem) -> None:
    scope[DEFERRED_BODY_PROBLEM] = body_problem


def media_type_of(content_type: str | None) -> str:
    """The media type a ``Content-Type`` names, lower-cased, without its parameters
    ("" when there is none)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def encoding_problem(headers: Mapping[str, str]) -> str | None:
    """Why a body is refused for its ``Content-Encoding`` (415, RFC 9110 §15.5.16),
    or None when it has none: the API reads bodies as they are sent, and a gzip
    body would otherwise be answered as JSON or CSV that does not parse."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return None
    return f"Send the body without a Content-Encoding ({encoding[:30]} is not read here)."


async def handle_validation_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    deferred = request.scope.get(DEFERRED_BODY_PROBLEM)
    if isinstance(deferred, BodyProblem) and deferred.status == 415:
        return problem(
            request, 415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type", deferred.detail
        )
    if isinstance(deferred, BodyProblem):
        detail = ErrorDetail(field="body", message=deferred.detail)
        return problem(
            request, 422, "VALIDATION_ERROR", "Invalid input", f"body: {deferred.detail}", [detail]
        )
    if error.errors() and all(item.get("loc", ("",))[0] == "path" for item in error.errors()):
        # A malformed id names nothing that exists: the same answer as an unknown one.
        return problem(request, 404, "NOT_FOUND", "Not found", f"Nothing at {request.url.path}.")
    details = [
        ErrorDetail(field=_field_name(item.get("loc", ())), message=_message(item))
        for item in error.errors()
    ]
    summary = "; ".join(f"{d.field}: {d.message}" for d in details[:5])
    return problem(request, 422, "VALIDATION_ERROR", "Invalid input", summary, details)


async def handle_http_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, StarletteHTTPException)
    code, title = _HTTP_CODES.get(error.status_code, ("HTTP_ERROR", "Request failed"))
    status = 422 if error.status_code == 400 else error.status_code
    detail = error.detail if isinstance(error.detail, str) else title
    if error.status_code == 404 and detail == "Not Found":
        detail = f"Nothing at {request.url.path}."
    headers = dict(error.headers or {})
    if error.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}."
        headers["Allow"] = ", ".join(_allowed_methods(request)) or headers.get("Allow", "")
    return problem(request, status, code, title, detail, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path (HEAD wherever GET is:
    ``HeadAsGetMiddleware``).

    The router reports only the methods of the first route whose path matched,
    but a path is often served by several routes (``GET`` and ``POST /stocks``).
    """
    allowed: list[str] = []
    for method in _METHODS:
        probe = {**request.scope, "method": "GET" if method == "HEAD" else method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.routes):
            allowed.append(method)
    return allowed


async def handle_unexpected_error(request: Request, error: Exception) -> ProblemResponse:
    logger.error(
        "unhandled error on %s %s (request id %s)",
        request.method,
        request.url.path,
        request_id_of(request),
        exc_info=error,
    )
    return problem(
        request,
        500,
        "INTERNAL_ERROR",
        "Internal error",
        "Something went wrong on our side; the request id identifies it in the logs.",
    )


class UnexpectedErrorMiddleware:
    """Answers an exception that no handler took with the 500 problem.

    Starlette leaves such an exception to its outermost layer, which answers
    outside every middleware (no ``X-Request-ID``, no metrics) and then raises
    it on to the server, which closes the connection. Inside the request-id
    and metrics middleware, this answers like any other error, and the
    exception stops here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answering = False

        async def send_noting_the_start(message: Message) -> None:
            nonlocal answering
            answering = answering or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_the_start)
        except Exception as error:
            if answering:  # too late for a problem: the response is under way
                raise
            response = await handle_unexpected_error(Request(scope, receive), error)
            await response(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(Exception, handle_unexpected_error)


class ProblemError(BaseModel):
    field: str | None = None
    line: int | None = None
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of this API is answered."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[ProblemError]
    request_id: str | None


_DESCRIPTIONS = {
    401: "Missing, invalid or expired credentials (UNAUTHENTICATED).",
    403: "Not allowed (INSUFFICIENT_SCOPE, REGISTRATION_CLOSED).",
    404: "No such resource, or not yours (NOT_FOUND).",
    409: "Conflicts with the current state.",
    412: "If-Match does not match the current version (PRECONDITION_FAILED).",
    413: "Request body over 10 MiB (PAYLOAD_TOO_LARGE).",
    415: "Wrong content type (UNSUPPORTED_MEDIA_TYPE).",
    422: "Invalid input (VALIDATION_ERROR and the codes named in API.md).",
    429: "Too many requests (RATE_LIMITED); see Retry-After.",
    500: "A fault of ours (INTERNAL_ERROR); the request id names it in the logs.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the errors an operation may answer."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
