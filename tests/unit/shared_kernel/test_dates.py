"""Dates are read only as API.md writes them, YYYY-MM-DD; timestamps only as ISO 8601."""

from __future__ import annotations

from datetime import date

import pytest

from shared_kernel.domain.dates import calendar_date, is_timestamp_text


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


@pytest.mark.parametrize(
    "text",
    ["2025-01-14", "2025-01-14T10:00:00Z", "2025-01-14t10:00", "2025-01-14 10:00:00+05:30"],
)
def test_a_timestamp_starts_with_its_date_and_then_the_time(text: str) -> None:
    assert is_timestamp_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "20250107",  # pydantic: a Unix time, 1970-08-23; Python: the basic form
        "1735000000000",  # a Unix time in milliseconds
        "1735000000.5",
        "0",
        "20250107T10:00:00",  # the basic form
        "2025-W02-2T10:00",  # a week date
        "2025-01-07X10:00",  # Python takes any character between date and time
        "2025-01-07_10:00Z",  # pydantic takes an underscore
        "２０２５-01-07T10:00",  # full-width digits
        " 2025-01-07T10:00",
        "",
    ],
)
def test_other_texts_are_no_timestamp(text: str) -> None:
    assert not is_timestamp_text(text)
