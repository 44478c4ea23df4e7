"""CSV request bodies: content-type check and the OpenAPI description."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException

from shared_kernel.domain.errors import ErrorDetail, ImportRejected
from shared_kernel.web.problems import encoding_problem, media_type_of

CSV_MEDIA_TYPE = "text/csv"

CSV_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
"""``openapi_extra`` for a route whose body is a CSV file."""


async def csv_body(request: Request) -> bytes:
    """The raw CSV body; another content type is refused with 415, and a file with
    a NUL byte (which no cell may hold, and PostgreSQL cannot store in text) with
    422 IMPORT_REJECTED naming its lines."""
    if media_type_of(request.headers.get("content-type")) != CSV_MEDIA_TYPE:
        raise HTTPException(415, f"Send the file as {CSV_MEDIA_TYPE}.")
    if problem := encoding_problem(request.headers):
        raise HTTPException(415, problem)
    content = await request.body()
    if b"\x00" in content:
        raise ImportRejected(
            [
                ErrorDetail(line=number, message="contains a NUL character")
                for number, line in enumerate(content.splitlines(), start=1)
                if b"\x00" in line
            ]
        )
    return content
