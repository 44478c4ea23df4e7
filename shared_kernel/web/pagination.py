"""Cursor pagination on the wire: opaque cursors and the list envelope."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, Self, TypeVar

from fastapi import Query
from pydantic import BaseModel

from shared_kernel.application.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Keyset,
    Page,
    PageRequest,
)
from shared_kernel.domain.errors import InvalidInput
from shared_kernel.domain.text import is_encodable
from shared_kernel.web.schemas import WholeNumberInput

ItemT = TypeVar("ItemT")


class ListPage(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None

    @classmethod
    def of(cls, page: Page[Any]) -> Self:
        """The page, its items read from their attributes: one validation of the whole
        body rather than one per item (a 50-item page: 300 -> 250 us here). Every list
        endpoint builds its body with it."""
        return cls.model_validate(
            {"items": page.items, "next_cursor": encode_cursor(page.next_keyset)}
        )


def encode_cursor(keyset: Keyset | None) -> str | None:
    if keyset is None:
        return None
    raw = json.dumps(list(keyset), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> Keyset:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise InvalidInput.for_field("cursor", "is not a cursor from this API") from None
    if not isinstance(values, list) or not all(_keyset_text(v) for v in values):
        raise InvalidInput.for_field("cursor", "is not a cursor from this API")
    return tuple(values)


def _keyset_text(value: object) -> bool:
    """Whether ``value`` is text a list may have handed out: a column's value as a
    string, which holds no NUL and no half of a surrogate pair (no database
    column holds them; a driver refuses them)."""
    return isinstance(value, str) and "\x00" not in value and is_encodable(value)


async def page_request(
    limit: Annotated[
        WholeNumberInput, Query(ge=1, le=MAX_PAGE_SIZE, description="Page size (1–500).")
    ] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None,
        Query(max_length=2000, description="`next_cursor` of the previous page."),
    ] = None,
) -> PageRequest:
    """FastAPI dependency: the ``limit`` and ``cursor`` query parameters."""
    return PageRequest(limit=limit, after=decode_cursor(cursor) if cursor else None)
