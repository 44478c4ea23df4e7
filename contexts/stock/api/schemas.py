"""Request and response bodies of the stock API (API.md "Stocks")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from contexts.stock.domain.price import MAX_PRICES_PER_REQUEST
from contexts.stock.domain.split import MAX_SPLIT_TERM
from shared_kernel.web.schemas import (
    DateInput,
    DecimalInput,
    DecimalOutput,
    RequestBody,
    ResponseBody,
    TextInput,
    WholeNumberInput,
)


class StockCreate(RequestBody):
    symbol: TextInput = Field(examples=["AAPL"])
    name: TextInput = Field(examples=["Apple Inc."])
    currency: TextInput = Field(default="USD", examples=["USD"])
    sector: TextInput | None = Field(default=None, examples=["Information Technology"])
    industry_group: TextInput | None = Field(
        default=None, examples=["Technology Hardware & Equipment"]
    )
    exchange: TextInput | None = Field(default=None, examples=["NASDAQ"])
    grade: TextInput | None = Field(default=None, examples=["A"])
    notes: TextInput | None = None


class StockPatch(RequestBody):
    name: TextInput | None = None
    sector: TextInput | None = None
    industry_group: TextInput | None = None
    exchange: TextInput | None = None
    grade: TextInput | None = None
    notes: TextInput | None = None
    symbol: TextInput | None = Field(default=None, description="Immutable: sending it is refused.")
    currency: TextInput | None = Field(
        default=None, description="Immutable: sending it is refused."
    )


class LatestPriceOut(ResponseBody):
    date: date
    close: DecimalOutput


class StockOut(ResponseBody):
    id: UUID
    symbol: str
    name: str
    currency: str
    sector: str | None
    industry_group: str | None
    exchange: str | None
    grade: str | None
    notes: str | None
    listed: bool
    latest_price: LatestPriceOut | None
    created_at: datetime
    updated_at: datetime
    version: int


class PriceIn(RequestBody):
    date: DateInput
    close: DecimalInput
    open: DecimalInput | None = None
    high: DecimalInput | None = None
    low: DecimalInput | None = None
    volume: Annotated[WholeNumberInput, Field(ge=0, le=2**63 - 1)] | None = None


class PricesIn(RequestBody):
    prices: Annotated[list[PriceIn], Field(min_length=1, max_length=MAX_PRICES_PER_REQUEST)]


class PriceOut(ResponseBody):
    date: date
    close: DecimalOutput
    open: DecimalOutput | None
    high: DecimalOutput | None
    low: DecimalOutput | None
    volume: int | None


class PriceList(ResponseBody):
    items: list[PriceOut]


class PricesRecorded(ResponseBody):
    recorded: int


class PriceImportOut(ResponseBody):
    recorded: int
    stocks: int


class SplitIn(RequestBody):
    effective_date: DateInput
    numerator: Annotated[WholeNumberInput, Field(ge=1, le=MAX_SPLIT_TERM)]
    denominator: Annotated[WholeNumberInput, Field(ge=1, le=MAX_SPLIT_TERM)]


class SplitOut(ResponseBody):
    id: UUID
    stock_id: UUID
    effective_date: date
    numerator: int
    denominator: int


class SplitList(ResponseBody):
    items: list[SplitOut]
