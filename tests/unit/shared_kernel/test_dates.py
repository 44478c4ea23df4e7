"""Dates are read only as API.md writes them: YYYY-MM-DD."""

from __future__ import annotations

from datetime import date

import pytest

from shared_kernel.domain.dates import calendar_date


def test_a_calendar_date_is_read() -> None:
    assert calendar_date("2025-01-14") == date(2025, 1, 14)
    assert calendar_date("0001-01-01") == date.min


@pytest.mark.parametrize(
    "text",
    [
        "20250114",  # ISO 8601's basic form, which date.fromisoformat reads
        "2025-W03-2",  # its week date, too
        "2025-014",  # its ordinal date
        "2025-1-14",
        "２０２５-01-14",  # full-width digits
        " 2025-01-14",
        "2025-02-30",  # the shape, not a day
        "2025-01-14T00:00",
    ],
)
def test_every_other_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a date YYYY-MM-DD|day is out of range"):
        calendar_date(text)
