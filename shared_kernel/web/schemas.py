"""Base request/response models and exact-decimal field types."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from shared_kernel.domain.dates import is_calendar_date_text, is_timestamp_text
from shared_kernel.domain.money import (
    MAX_DECIMAL_DIGITS,
    MAX_DECIMAL_PLACES,
    is_plain_number_text,
    unsigned_zero,
)


class RequestBody(BaseModel):
    """A request body: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _only_calendar_date_text(value: object) -> object:
    """Refuse a date sent in another form than ``YYYY-MM-DD`` (API.md), which pydantic
    would read: a Unix time, a timestamp at midnight."""
    if not isinstance(value, date) and not (
        isinstance(value, str) and is_calendar_date_text(value)
    ):
        raise PydanticCustomError("date_parsing", "Input should be a date YYYY-MM-DD")
    return value


DateInput = Annotated[date, BeforeValidator(_only_calendar_date_text)]
"""A date of a request (body or query), read only from text ``YYYY-MM-DD``."""


def _only_timestamp_text(value: object) -> object:
    """Refuse a timestamp sent in another form than ISO 8601's extended one, which
    pydantic would read: a Unix time, as a number or as text."""
    if not isinstance(value, datetime) and not (
        isinstance(value, str) and is_timestamp_text(value)
    ):
        raise PydanticCustomError(
            "datetime_parsing", "Input should be an ISO 8601 timestamp YYYY-MM-DDTHH:MM:SS"
        )
    return value


TimestampInput = Annotated[datetime, BeforeValidator(_only_timestamp_text)]
"""A timestamp of a request, read only from ISO 8601 text (``YYYY-MM-DD`` alone is
midnight); without an offset it is UTC (API.md), which the domain applies."""


def _only_plain_number_text(error_type: str, message: str) -> BeforeValidator:
    """Refuse a number sent as text that only Python reads as one (``1_0``, ``١٢``),
    and a JSON ``true`` or ``false`` (Python's 1 and 0), with pydantic's own error
    for a value that is no number of the type."""

    def check(value: object) -> object:
        if isinstance(value, bool) or (isinstance(value, str) and not is_plain_number_text(value)):
            raise PydanticCustomError(error_type, message)
        return value

    return BeforeValidator(check)


WholeNumberInput = Annotated[
    int,
    _only_plain_number_text(
        "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
    ),
]
"""An integer of a request (body or query), read from text only in plain ASCII digits."""

DecimalInput = Annotated[
    Decimal,
    _only_plain_number_text("decimal_parsing", "Input should be a valid decimal"),
    Field(
        allow_inf_nan=False,
        max_digits=MAX_DECIMAL_DIGITS,
        decimal_places=MAX_DECIMAL_PLACES,
        description=(
            "A decimal, as a string in plain ASCII notation (preferred) "
            "or a JSON number read from its text."
        ),
        examples=["150.25"],
    ),
    AfterValidator(unsigned_zero),
]


def _plain_decimal(value: Decimal) -> str:
    return format(value, "f")


DecimalOutput = Annotated[
    Decimal,
    PlainSerializer(_plain_decimal, return_type=str, when_used="json"),
]
"""A decimal in a response: a string in plain notation, never an exponent.

``str(Decimal("0.000000000001"))`` is ``"1E-12"``, and a value stored as
``1E+2`` reads back as ``1E+2`` from SQLite but ``100`` from PostgreSQL;
written out in plain notation, both are the same string on every database.
"""

MAX_TEXT_INPUT = 5000
"""Guard against absurd strings; the domain applies each field's real limit."""


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000 in text (the insert fails: a 500), and SQLite
    # would keep it; no field of this API has a use for it.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain a NUL character")
    return value


class _NoNulPattern:
    """Says in the JSON schema what ``_no_nul`` checks, so clients (and schema-driven
    tests) know that text without U+0000 is all a field takes."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = "^[^\\u0000]*$"
        return schema


NoNulText = Annotated[str, AfterValidator(_no_nul), _NoNulPattern]
"""Text without U+0000, for fields and parameters that reach the database."""

TextInput = Annotated[NoNulText, Field(max_length=MAX_TEXT_INPUT)]
