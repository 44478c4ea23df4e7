"""Dates and timestamps as the API writes them (API.md: "Dates ``YYYY-MM-DD``;
timestamps ISO 8601")."""

from __future__ import annotations

import re
from datetime import date

_CALENDAR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_TIMESTAMP_START = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ]|\Z)", re.ASCII)


def is_calendar_date_text(text: str) -> bool:
    """Whether ``text`` has the shape ``YYYY-MM-DD``: Python's ``date.fromisoformat``
    also reads ISO 8601's other forms (``20250114``, the week date ``2025-W03-2``)."""
    return _CALENDAR_DATE.fullmatch(text) is not None


def calendar_date(text: str) -> date:
    """The date ``text`` writes as ``YYYY-MM-DD``; ``ValueError`` for any other text."""
    if not is_calendar_date_text(text):
        raise ValueError(f"{text[:20]!r} is not a date YYYY-MM-DD")
    return date.fromisoformat(text)


def is_timestamp_text(text: str) -> bool:
    """Whether ``text`` starts as an ISO 8601 timestamp in its extended form does: a
    date ``YYYY-MM-DD``, then the end (midnight) or ``T`` (or a space) and the time.

    The parsers read more, and money must not be dated by a typo: pydantic reads
    a number, or text of one, as a Unix time (``"20250107"`` is 1970-08-23), and
    Python's ``datetime.fromisoformat`` the basic form ``20250107``, a week date,
    and any character between the date and the time.
    """
    return _TIMESTAMP_START.match(text) is not None
