"""The latest day the catalog takes a price or a split for."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def is_in_the_future(day: date, now: datetime) -> bool:
    """Whether ``day`` is after tomorrow (UTC): somewhere it is already tomorrow,
    nowhere later. A price or a split dated later is a typo, or not yet known: a
    split applied ahead of its day would change the shares held today."""
    return day > now.date() + timedelta(days=1)
