"""Dates as the API writes them (API.md: "Dates ``YYYY-MM-DD``")."""

from __future__ import annotations

import re
from datetime import date

_CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def is_calendar_date_text(text: str) -> bool:
    """Whether ``text`` has the shape ``YYYY-MM-DD``: Python's ``date.fromisoformat``
    also reads ISO 8601's other forms (``20250114``, the week date ``2025-W03-2``)."""
    return _CALENDAR_DATE.fullmatch(text) is not None


def calendar_date(text: str) -> date:
    """The date ``text`` writes as ``YYYY-MM-DD``; ``ValueError`` for any other text."""
    if not is_calendar_date_text(text):
        raise ValueError(f"{text[:20]!r} is not a date YYYY-MM-DD")
    return date.fromisoformat(text)
