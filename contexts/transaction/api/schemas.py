"""Request and response bodies of the transaction API (API.md "Transactions")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_kernel.web.schemas import (
    DecimalInput,
    DecimalOutput,
    RequestBody,
    ResponseBody,
    TextInput,
    TimestampInput,
)

TransactionTypeName = Literal["BUY", "SELL", "DIVIDEND", "INTEREST", "DEPOSIT", "WITHDRAWAL", "FEE"]


class TransactionCreate(RequestBody):
    type: TransactionTypeName
    stock_id: UUID | None = None
    quantity: DecimalInput | None = None
    price: DecimalInput | None = None
    amount: DecimalInput | None = Field(
        default=None, description="For DIVIDEND, INTEREST, DEPOSIT, WITHDRAWAL and FEE only."
    )
    fee: DecimalInput = Decimal(0)
    tax: DecimalInput = Decimal(0)
    executed_at: TimestampInput = Field(
        description="ISO 8601; read as UTC without an offset; not in the future.",
        examples=["2025-01-15T10:00:00Z"],
    )
    notes: TextInput | None = None
    external_id: TextInput | None = Field(
        default=None, description="Your own id for it: unique in the portfolio."
    )


class TransactionOut(ResponseBody):
    id: UUID
    portfolio_id: UUID
    type: str
    stock_id: UUID | None
    symbol: str | None
    quantity: DecimalOutput | None
    price: DecimalOutput | None
    amount: DecimalOutput
    fee: DecimalOutput
    tax: DecimalOutput
    currency: str
    executed_at: datetime
    notes: str | None
    external_id: str | None
    recorded_at: datetime
    voided_at: datetime | None


class ImportOut(ResponseBody):
    recorded: int
    skipped_duplicates: int
    dry_run: bool
