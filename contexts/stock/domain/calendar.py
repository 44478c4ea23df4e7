"""The latest day the catalog takes a price or a split for (UTC dates)."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def is_after_tomorrow(day: date, now: datetime) -> bool:
    """Whether a close dated ``day`` is in the future: somewhere on Earth it is
    already tomorrow, nowhere later. A close dated later is a typo, or not yet known."""
    return day > now.date() + timedelta(days=1)


def is_after_today(day: date, now: datetime) -> bool:
    """Whether a split effective on ``day`` is still to come. Holdings apply a split
    as soon as it is recorded, so one recorded ahead of its day would change the
    shares held today, which the ledger (splits apply from their day's start, UTC)
    and the performance report do not count yet."""
    return day > now.date()
