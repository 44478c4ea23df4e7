"""Base request/response models and exact-decimal field types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared_kernel.domain.money import MAX_DECIMAL_DIGITS, MAX_DECIMAL_PLACES


class RequestBody(BaseModel):
    """A request body: unknown fields are refused (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid")


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)


DecimalInput = Annotated[
    Decimal,
    Field(
        allow_inf_nan=False,
        max_digits=MAX_DECIMAL_DIGITS,
        decimal_places=MAX_DECIMAL_PLACES,
        description="A decimal, as a string (preferred) or a JSON number read from its text.",
        examples=["150.25"],
    ),
]

MAX_TEXT_INPUT = 5000
"""Guard against absurd strings; the domain applies each field's real limit."""

TextInput = Annotated[str, Field(max_length=MAX_TEXT_INPUT)]
