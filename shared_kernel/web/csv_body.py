"""CSV request bodies: content-type check and the OpenAPI description."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException

CSV_MEDIA_TYPE = "text/csv"

CSV_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
"""``openapi_extra`` for a route whose body is a CSV file."""


async def csv_body(request: Request) -> bytes:
    """The raw CSV body; another content type is refused with 415."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != CSV_MEDIA_TYPE:
        raise HTTPException(415, f"Send the file as {CSV_MEDIA_TYPE}.")
    return await request.body()
