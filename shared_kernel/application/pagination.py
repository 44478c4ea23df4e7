"""Keyset pagination types shared by list queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

Keyset = tuple[str, ...]
"""The sort key of the last row of a page, as text: where the next page starts."""


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_PAGE_SIZE
    after: Keyset | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_keyset: Keyset | None
