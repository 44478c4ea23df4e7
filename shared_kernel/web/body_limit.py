"""Request bodies over the limit are refused with 413 PAYLOAD_TOO_LARGE (problem+json)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared_kernel.web.problems import problem


class BodyLimitMiddleware:
    """A declared ``Content-Length`` over the limit is answered at once; a
    streamed body is counted as it is read and refused when it passes it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(Request(scope))(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._detail())
            return message

        await self.app(scope, counted_receive, send)

    def _detail(self) -> str:
        return f"The request body is over {self.max_bytes // (1024 * 1024)} MiB."

    def _too_large(self, request: Request) -> ASGIApp:
        return problem(request, 413, "PAYLOAD_TOO_LARGE", "Payload too large", self._detail())
